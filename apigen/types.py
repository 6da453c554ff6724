"""Records that cross package boundaries.

Every record here is a frozen pydantic model with ``extra="forbid"``: a typo in a
hand-written blueprint file or a stray key in a stored row is an error, and a
record handed from one stage to the next cannot be changed behind its back.

JSON-valued fields (tool arguments, tool outputs, state diffs, sampled context)
hold plain JSON data: ``dict``/``list``/``str``/``int``/``float``/``bool``/``None``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "JSON",
    "Blueprint",
    "Message",
    "Role",
    "StageOutcome",
    "StateDiff",
    "ToolCall",
    "ToolError",
    "ToolExecution",
    "Trajectory",
    "Usage",
    "ValidationReport",
    "Verdict",
    "Violation",
    "Vote",
    "canonical_json",
]

JSON = Any
"""A JSON-compatible value."""


def canonical_json(value: JSON) -> str:
    """Serialise ``value`` canonically: sorted keys, no whitespace, UTF-8 kept.

    Equal data always gives equal text, so hashes and fingerprints built on it
    are stable across processes and machines.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolCall(_Record):
    """One call of a tool: the name and its JSON arguments."""

    name: str = Field(min_length=1)
    """Tool name as the environment registers it."""
    arguments: dict[str, JSON] = Field(default_factory=dict)
    """Arguments by parameter name."""
    id: str | None = None
    """Provider-assigned call id; ``None`` for ground-truth actions written by hand."""


class ToolError(_Record):
    """Why a tool call produced no output. The model sees ``message``."""

    kind: Literal["unknown_tool", "invalid_arguments", "tool_error", "timeout", "result_too_large"]
    message: str


class ToolExecution(_Record):
    """What running one ``ToolCall`` in a sandbox did."""

    call: ToolCall
    output: JSON = None
    """The tool's JSON result; ``None`` when ``error`` is set."""
    error: ToolError | None = None
    write: bool = False
    """The tool is tagged ``write`` (whether or not it changed anything)."""
    changed: bool = False
    """The call changed the sandbox state."""
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class Violation(_Record):
    """A policy rule an action trace broke."""

    rule: str
    """Short stable identifier, e.g. ``auth_before_access``."""
    message: str
    """Human-readable reason naming the offending call and data."""
    call_index: int | None = None
    """Index of the offending call in the trace, when one call is to blame."""
    call: ToolCall | None = None
    """The offending call itself, when the rule names it (what a judge is shown)."""
    sound: bool = True
    """``False`` when the rule cannot be judged soundly by code (it may flag a
    conversation that complies): early rejection never fires on it, the policy
    verdict only reports it, and the trajectory committee decides."""


StateDiff = dict[str, dict[str, dict[str, JSON]]]
"""Net change of a sandbox as plain JSON: ``{table: {key: {"before": .., "after": ..}}}``.

Tables and keys are sorted; ``before``/``after`` is ``None`` where the record is absent.
"""

Role = Literal["system", "user", "assistant", "tool"]


class Message(_Record):
    """One chat message in OpenAI shape, plus optional reasoning content."""

    role: Role
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    """Assistant tool calls (each with an ``id``)."""
    tool_call_id: str | None = None
    """For ``tool`` messages: the id of the call this answers."""
    name: str | None = None
    """For ``tool`` messages: the tool's name."""
    reasoning: str | None = None
    """Reasoning ("thinking") content the model returned (``reasoning_content``, or
    ``<think>`` blocks taken out of the text), kept so exports can choose; never
    shown to the other player, never read as something said."""
    thinking_blocks: tuple[dict[str, JSON], ...] = ()
    """Anthropic thinking blocks exactly as returned (signatures included), sent back
    with the message so extended thinking continues across tool calls."""


class Vote(_Record):
    """One judge's answer inside a committee verdict."""

    judge: str
    """Model name of the judge (repeats allowed: ``sim/reviewer#2``)."""
    passed: bool | None = None
    """``None`` when the judge abstained (its answer could not be parsed)."""
    score: float | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    """Per-criterion scores, when the verifier uses criteria."""
    rationale: str = ""


class Verdict(_Record):
    """What one verifier decided and why. Committees keep every vote."""

    verifier: str
    passed: bool
    score: float | None = None
    reasons: tuple[str, ...] = ()
    votes: tuple[Vote, ...] = ()


class StageOutcome(_Record):
    """Outcome of one validation stage of a blueprint."""

    stage: str
    """The registered stage's name (``format``, ``execution``, ``policy``, ``review``,
    ``dedup`` or a plug-in's; see :func:`apigen.blueprints.stage_names`)."""
    passed: bool
    reasons: tuple[str, ...] = ()
    votes: tuple[Vote, ...] = ()
    """Reviewer votes (review stage only)."""
    prompt: str | None = None
    """The prompt the stage's models were shown, kept with the round (review: the
    reviewer prompt of the first ask, tool outputs and diff included); ``None`` for
    code stages."""


class ValidationReport(_Record):
    """Every stage a blueprint went through, in order, for the round it ended in."""

    stages: tuple[StageOutcome, ...] = ()
    round: int = 0
    """Feedback round (0 = first generation) this report belongs to."""

    @property
    def passed(self) -> bool:
        return bool(self.stages) and all(s.passed for s in self.stages)

    @property
    def failed_stage(self) -> StageOutcome | None:
        return next((s for s in self.stages if not s.passed), None)


class Blueprint(_Record):
    """A task: what the human wants, the ground-truth actions, the expected outputs."""

    domain: str
    instruction: str = Field(min_length=1)
    """Second-person task description for the simulated human."""
    actions: tuple[ToolCall, ...] = Field(min_length=1)
    """Ground-truth tool calls; writes in order, reads allowed."""
    outputs: tuple[str, ...] = ()
    """Strings the agent must tell the human (amounts, counts, ...)."""
    persona: str | None = None
    id: str | None = None
    """Stable identifier; curated files set it, generated blueprints get one on storing."""
    context: dict[str, JSON] = Field(default_factory=dict)
    """Sampled grounding context (user, orders, ...) the blueprint was made from."""
    generator: str | None = None
    """Model that generated it; ``None`` for hand-written blueprints."""
    report: ValidationReport | None = None

    def fingerprint(self) -> str:
        """Hash of (domain, normalised actions): equal for repeated tasks."""
        actions = [[a.name, a.arguments] for a in self.actions]
        digest = hashlib.sha256(canonical_json([self.domain, actions]).encode()).hexdigest()
        return digest[:32]


class Usage(_Record):
    """Token and cost accounting for one role (or one call)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    """``None`` when no model involved has a known price."""
    errors: int = 0
    retries: int = 0
    """Provider attempts beyond the first (rate limits, server errors, time-outs)."""
    cache_hits: int = 0
    """Calls answered from the response cache (counted in ``calls``, no tokens or cost)."""

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None and other.cost_usd is None
            else (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        )
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=cost,
            errors=self.errors + other.errors,
            retries=self.retries + other.retries,
            cache_hits=self.cache_hits + other.cache_hits,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Trajectory(_Record):
    """One episode's record, accepted or rejected."""

    blueprint_id: str
    domain: str
    trial: int
    messages: tuple[Message, ...]
    final_diff: dict[str, JSON] = Field(default_factory=dict)
    """The sandbox's ``diff()`` at the end, as JSON."""
    verdicts: tuple[Verdict, ...] = ()
    accepted: bool = False
    ending: str
    """Why the episode ended: ``stop``, ``transfer``, ``max_turns``, ``early_reject:...``."""
    turns: int = 0
    tool_calls: int = 0
    usage: dict[str, Usage] = Field(default_factory=dict)
    """Usage per role (``human``, ``agent``, ``judge``)."""
    duration_s: float = 0.0
    id: str | None = None
