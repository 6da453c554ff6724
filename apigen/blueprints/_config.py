"""Phase-1 settings (the ``phase1`` section): rounds, committee rule, context sampling.

Phase 1 names roles (``generator``, ``reviewer``, ``feedback``), never models: which
models play them is the ``models`` section (:class:`apigen.llm.ModelsConfig`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from apigen.blueprints._stages import DEFAULT_STAGES, known_stages
from apigen.safety import MAX_COUNT

__all__ = ["DEFAULT_CRITERIA", "Phase1Config"]

DEFAULT_CRITERIA: tuple[str, ...] = ("correctness", "completeness", "satisfaction", "creativity")
"""Review criteria: actions do what the instruction asks (correctness), the instruction
holds every fact the human needs (completeness), outputs and actions satisfy the request
(satisfaction), the task reads like a real person's (creativity/realism)."""


class Phase1Config(BaseModel):
    """How phase 1 generates and validates blueprints.

    The committee is the ``reviewer`` role's models, one per member. Its rule: a
    criterion passes when a strict majority of the reviewers
    who did not abstain score it >= 0.5 (a tie fails; no votes fails). The voted
    mean is (criteria passed) / (criteria). The review stage passes when the voted
    mean reaches ``threshold`` *and* every criterion in ``required_criteria`` passed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    condense_feedback: bool = True
    """Have the ``feedback`` role (``models.feedback``) turn a round's failures, and
    where the committee agreed and split, into fix lines before regenerating (an
    answer with no ``- `` lines falls back to the failures verbatim). Default
    ``True``; ``False`` passes the failures on verbatim without a call."""
    rounds: int = Field(default=3, ge=0, le=MAX_COUNT)
    """Feedback rounds K after the first generation (0 = no feedback loop). Default 3."""
    domain_rounds: dict[str, int] = Field(default_factory=dict)
    """Feedback rounds per domain name, overriding :attr:`rounds` for that domain
    (``{airline: 5}``). Default ``{}``."""
    criteria: tuple[str, ...] = Field(default=DEFAULT_CRITERIA, min_length=1)
    """Criteria every reviewer scores. Default correctness, completeness, satisfaction,
    creativity."""
    required_criteria: tuple[str, ...] = ("correctness", "completeness")
    """Criteria that must pass whatever the voted mean. Default correctness, completeness."""
    threshold: float = Field(default=0.75, ge=0.0, le=1.0)
    """Voted mean (fraction of criteria passed) the review stage needs. Default 0.75."""
    stages: tuple[str, ...] = Field(default=DEFAULT_STAGES, min_length=1)
    """Validation stages every round runs, in order, by registered name (built-ins
    ``format``, ``execution``, ``policy``, ``review``, ``dedup``; plug-ins register
    with ``apigen.blueprints.register_stage`` or the ``apigen.stages`` entry-point
    group). Default all five built-ins in that order."""
    reviewer_retries: int = Field(default=1, ge=0)
    """Re-asks of a reviewer whose answer cannot be read (each told why) before it
    abstains. Default 1."""
    templates_dir: Path | None = None
    """Directory of prompt templates overriding the built-in ones by file name
    (``generator.j2``, ``reviewer.j2``, ``feedback.j2``, ``recombination.j2``). Default ``None``."""
    examples_dir: Path | None = None
    """Where few-shot blueprints come from. Default ``None``: ``curated_dir()/<domain>``,
    else a plug-in domain's ``blueprints/`` beside its module."""
    few_shots: int = Field(default=3, ge=0)
    """Most few-shot examples in one prompt (each attempt draws 1..this). Default 3."""
    few_shot_rate: float = Field(default=0.7, ge=0.0, le=1.0)
    """Probability that an attempt's prompt has few-shot examples at all. Default 0.7."""
    persona_rate: float = Field(default=0.8, ge=0.0, le=1.0)
    """Probability that an attempt samples a persona. Default 0.8."""
    focused_policy_rate: float = Field(default=0.5, ge=0.0, le=1.0)
    """Probability that the prompt carries only the policy sections relevant to the
    chain's tools (when the policy splits by headings) rather than the whole policy.
    Default 0.5."""
    grounding: Literal["compose", "planned"] = "planned"
    """Who decides the task. ``compose``: the generator composes q, actions and outputs
    from the composing context (write tools from a walk along the tool graph's edges,
    an entity neighbourhood of the state, the identity the human can give), as
    APIGen-MT does; a domain's planned sketch is shown as a hint in ``planned_hints``
    of the attempts. ``planned``: the domain's planner (``Domain.sample_task``) grounds
    every task and the prompt shows its sketch. A domain without a planner always
    composes. Default ``planned``."""
    planned_hints: float = Field(default=0.0, ge=0.0, le=1.0)
    """With ``grounding = "compose"``: share of attempts whose prompt also shows the
    domain planner's sketch as a hint (domains with a planner only). Default 0.0."""
    information_only_rate: float = Field(default=0.1, ge=0.0, le=1.0)
    """With ``grounding = "compose"`` and a domain that ``allows_information_only``:
    share of attempts with no write tool (the human only wants to learn something).
    Default 0.1."""
    neighbourhood_size: int = Field(default=12, ge=1, le=MAX_COUNT)
    """Most records in a composing context's entity neighbourhood. Default 12."""
    max_writes: int = Field(default=3, ge=1, le=3)
    """Most write tools in one sampled chain (1-3). Default 3."""
    recombine: bool = False
    """After the attempts (``apigen run`` and ``apigen blueprints generate``), merge up
    to three accepted blueprints of each user with two or more into one longer task:
    the policy is checked on the combined actions, outputs are recomputed, and the
    merged task is validated like any other (its trajectories follow in ``apigen
    run``). Default ``False``."""
    recombine_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    """Share of the eligible users whose blueprints are merged when :attr:`recombine`
    is on (a seeded draw per user). Default 1.0."""

    def rounds_for(self, domain: str) -> int:
        """Feedback rounds K for ``domain`` (:attr:`domain_rounds`, else :attr:`rounds`)."""
        return self.domain_rounds.get(domain, self.rounds)

    @field_validator("domain_rounds")
    @classmethod
    def _rounds_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {d: k for d, k in value.items() if not 0 <= k <= MAX_COUNT}
        if bad:
            raise ValueError(f"rounds must be 0..{MAX_COUNT}, got {bad}")
        return value

    @model_validator(mode="after")
    def _required_are_criteria(self) -> Phase1Config:
        unknown = [c for c in self.required_criteria if c not in self.criteria]
        if unknown:
            raise ValueError(f"required criteria {unknown} are not among criteria")
        return self

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return known_stages(names)
