"""Context sampling for one attempt: a grounded tool chain, persona, policy text, few-shots.

Everything is drawn from one ``random.Random`` seeded by the attempt's key, so the
same (domain, seed, index) always gives the same context.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from apigen.blueprints._compose import Composition, compose_context
from apigen.blueprints._config import Phase1Config
from apigen.env import Domain, Environment, TaskSketch, WriteStep, thaw
from apigen.errors import BlueprintFileError
from apigen.graph import Chain
from apigen.types import JSON, Blueprint, ToolCall

__all__ = [
    "AttemptSpec",
    "SampledContext",
    "load_personas",
    "pick_few_shots",
    "policy_sections",
    "sample_context",
    "sketch_from_json",
    "sketch_to_json",
]


@cache
def load_personas() -> tuple[str, ...]:
    """The shipped personas (``data/personas.txt``), one per non-comment line."""
    text = resources.files("apigen.blueprints").joinpath("data/personas.txt").read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def policy_sections(
    policy: str, tools: tuple[str, ...], writes: tuple[str, ...]
) -> tuple[str, list[str]]:
    """The policy's preamble plus the sections relevant to a chain, and their headings.

    The policy splits at its level-2-or-deeper markdown headings. A section is kept
    when it names one of ``tools``, has a word starting with a write tool's verb
    (``cancel`` of ``cancel_pending_order`` matches "cancelled"), or its heading
    says "general".
    Without such headings, or when nothing matches, the whole policy is returned
    with no headings.
    """
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in policy.splitlines():
        m = _HEADING.match(line)
        if m and len(m.group(1)) >= 2:
            sections.append((m.group(2).strip(), [line]))
        else:
            sections[-1][1].append(line)
    verbs = {t.lower().split("_")[0] for t in writes}
    vocab = {t.lower() for t in tools} | {v for v in verbs if len(v) > 3}
    keep: list[str] = []
    parts = ["\n".join(sections[0][1]).strip()]
    for heading, body in sections[1:]:
        text = "\n".join(body)
        tokens = set(re.findall(r"[a-z][a-z_]*", text.lower()))
        if any(t.startswith(v) for t in tokens for v in vocab) or "general" in heading.lower():
            keep.append(heading)
            parts.append(text.strip())
    if not keep:
        return policy, []
    return "\n\n".join(p for p in parts if p), keep


def load_examples(folder: Path | None, domain: str) -> list[Blueprint]:
    """Curated blueprints of ``domain`` under ``folder`` (sorted by file); none if absent."""
    if folder is None or not folder.is_dir():
        return []
    from apigen.blueprints._files import iter_blueprint_files, load_blueprint

    found = []
    for path in iter_blueprint_files([folder]):
        try:
            bp = load_blueprint(path)
        except BlueprintFileError:
            continue  # `apigen blueprints validate` reports broken files; sampling skips them
        if bp.domain == domain:
            found.append(bp)
    return found


def pick_few_shots(
    examples: list[Blueprint], writes: tuple[str, ...], count: int, rng: random.Random
) -> list[Blueprint]:
    """``count`` examples, those sharing the most write tools with ``writes`` first
    (ties broken at random)."""
    wanted = set(writes)
    keyed = [
        (-len({a.name for a in bp.actions} & wanted), rng.random(), i)
        for i, bp in enumerate(examples)
    ]
    return [examples[i] for _, _, i in sorted(keyed)[:count]]


def _call_json(call: ToolCall) -> JSON:
    return {"name": call.name, "arguments": thaw(call.arguments)}


def sketch_to_json(sketch: TaskSketch) -> dict[str, JSON]:
    """A :class:`TaskSketch` as plain JSON (stored in ``Blueprint.context["task"]``)."""
    return {
        "user": sketch.user,
        "auth": [_call_json(c) for c in sketch.auth],
        "identity": dict(sketch.identity),
        "steps": [
            {
                "call": _call_json(s.call),
                "intent": s.intent,
                "reads": [_call_json(c) for c in s.reads],
                "facts": dict(s.facts),
                "outputs": list(s.outputs),
            }
            for s in sketch.steps
        ],
        "answers": dict(sketch.answers),
        "context": thaw(sketch.context),
    }


def sketch_from_json(data: dict[str, JSON]) -> TaskSketch:
    """Inverse of :func:`sketch_to_json`."""
    return TaskSketch(
        user=data["user"],
        auth=tuple(ToolCall.model_validate(c) for c in data.get("auth", ())),
        identity=dict(data.get("identity", {})),
        steps=tuple(
            WriteStep(
                call=ToolCall.model_validate(s["call"]),
                intent=s["intent"],
                reads=tuple(ToolCall.model_validate(c) for c in s.get("reads", ())),
                facts=dict(s.get("facts", {})),
                outputs=tuple(s.get("outputs", ())),
            )
            for s in data["steps"]
        ),
        answers=dict(data.get("answers", {})),
        context=dict(data.get("context", {})),
    )


@dataclass(frozen=True)
class SampledContext:
    """What one attempt was grounded in; ``record()`` is kept in ``Blueprint.context``."""

    env: Environment
    chain: tuple[str, ...]
    writes: tuple[str, ...]
    sketch: TaskSketch | None
    """The planner's sketch shown in the prompt (planned grounding, or a hint);
    ``None`` when the generator composes from the neighbourhood alone."""
    persona: str | None
    policy: str
    policy_headings: tuple[str, ...]
    few_shots: tuple[Blueprint, ...]
    seed: int
    episode: str
    extra: dict[str, JSON] = field(default_factory=dict)
    composition: Composition | None = None
    """The composing context (``grounding = "compose"``); ``None`` when planned."""

    @property
    def grounding(self) -> str:
        return "planned" if self.composition is None else "compose"

    @property
    def user(self) -> str:
        if self.sketch is not None:
            return self.sketch.user
        assert self.composition is not None
        return self.composition.neighbourhood.root[1]

    def record(self) -> dict[str, JSON]:
        """JSON provenance: user, chain, sampled parts, the task sketch when one was
        shown, and (composing) the neighbourhood's keys and the identity."""
        out: dict[str, JSON] = {
            "user": self.user,
            "episode": self.episode,
            "seed": self.seed,
            "state_seed": self.env.seed,
            "grounding": self.grounding,
            "chain": list(self.chain),
            "writes": list(self.writes),
            "persona": self.persona,
            "policy_sections": list(self.policy_headings) or "all",
            "few_shots": [bp.id or bp.fingerprint() for bp in self.few_shots],
        }
        if self.sketch is not None:
            out["task"] = sketch_to_json(self.sketch)
        if self.composition is not None:
            nb = self.composition.neighbourhood
            out["neighbourhood"] = {"root": list(nb.root), "records": nb.refs()}
            out["identity"] = self.composition.identity
        return {**out, **self.extra}


class AttemptSpec(BaseModel):
    """Which attempt: (domain, seed, index) determines its whole context."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str
    seed: int = 0
    """Run seed: attempts of one run share it."""
    index: int = Field(default=0, ge=0)
    """Attempt number within the run."""
    parts: tuple[str, ...] = ()
    """Ids (or fingerprints) of the blueprints a recombination merges; empty for a
    sampled attempt."""

    @property
    def key(self) -> str:
        """Stable key of the attempt (the ``episode`` sim models see)."""
        key = f"{self.domain}/{self.seed}/{self.index}"
        return f"{key}/recombine:{'+'.join(self.parts)}" if self.parts else key

    @property
    def derived_seed(self) -> int:
        """A 32-bit seed derived from :attr:`key` (the ``seed`` sim models see)."""
        return int(hashlib.sha256(self.key.encode()).hexdigest()[:8], 16)


def _shown_chain(sketch: TaskSketch | None, composition: Composition | None) -> Chain:
    """The chain the prompt shows: the sketch's own calls (authentication, reads,
    writes) when a sketch is shown, else the composing context's identity tool,
    grounding reads and writes."""
    if sketch is not None:
        names = [c.name for c in sketch.auth]
        for step in sketch.steps:
            names += [c.name for c in step.reads] + [step.call.name]
        writes = tuple(s.call.name for s in sketch.steps)
        return Chain(tools=tuple(dict.fromkeys(names)), writes=writes)
    assert composition is not None
    ident = [str(composition.identity["tool"])] if composition.identity else []
    tools = [*ident, *composition.reads, *composition.writes]
    return Chain(tools=tuple(dict.fromkeys(tools)), writes=composition.writes)


@cache
def _graph(domain: Domain) -> Any:
    from apigen.graph import tool_graph

    return tool_graph(domain)


def sample_context(
    spec: AttemptSpec,
    env: Environment,
    config: Phase1Config,
    examples: list[Blueprint] | None = None,
) -> SampledContext:
    """Sample the context of attempt ``spec``: deterministic for (domain, seed, index).

    Which samplers contribute varies per attempt: a persona (from the domain's
    ``framing.personas``, else the shipped list) with probability
    ``persona_rate``, few-shots (1..``few_shots`` of ``examples``) with probability
    ``few_shot_rate``, the relevant policy sections with probability
    ``focused_policy_rate`` (else the whole policy). ``config.grounding`` says who
    decides the task: ``planned`` (the domain's planner; its sketch's calls are the
    chain, so the prompt never names a tool the sketch does not use) or ``compose``
    (:func:`compose_context`; with probability ``planned_hints`` the planner's sketch
    too, as a hint). A domain without a planner always composes. Raises
    ``ValueError`` when a planner grounds none of 100 sampled chains.
    """
    from apigen.graph import sample_grounded_task

    rng = random.Random(spec.key)
    graph = _graph(env.domain)
    planner = env.domain.has_planner
    composition: Composition | None = None
    sketch: TaskSketch | None = None
    if planner and (config.grounding == "planned" or rng.random() < config.planned_hints):
        found = sample_grounded_task(
            env, rng, graph=graph, max_writes=config.max_writes, attempts=100
        )
        if found is None:
            raise ValueError(f"domain {env.domain.name!r} grounded none of 100 sampled chains")
        sketch = found[1]
    if config.grounding == "compose" or not planner:
        composition = compose_context(
            env,
            graph,
            rng,
            max_writes=config.max_writes,
            information_only_rate=config.information_only_rate,
            neighbourhood_size=config.neighbourhood_size,
            sketch=sketch,
        )
    chain = _shown_chain(sketch, composition)
    personas = env.domain.framing.personas or load_personas()
    persona = rng.choice(personas) if rng.random() < config.persona_rate else None
    policy, headings = env.domain.policy, list[str]()
    if rng.random() < config.focused_policy_rate:
        policy, headings = policy_sections(env.domain.policy, chain.tools, chain.writes)
    shots: list[Blueprint] = []
    if examples and config.few_shots and rng.random() < config.few_shot_rate:
        count = rng.randint(1, min(config.few_shots, len(examples)))
        shots = pick_few_shots(examples, chain.writes, count, rng)
    return SampledContext(
        env=env,
        chain=chain.tools,
        writes=chain.writes,
        sketch=sketch,
        composition=composition,
        persona=persona,
        policy=policy,
        policy_headings=tuple(headings),
        few_shots=tuple(shots),
        seed=spec.derived_seed,
        episode=spec.key,
    )
