"""Phase-2 settings (the ``rollout`` section): trials, limits, early rejection, best-of-N,
committee."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from apigen.rollout._verifiers import DEFAULT_VERIFIERS, known_verifiers
from apigen.safety import MAX_COUNT

__all__ = ["CRITERIA", "RolloutConfig"]

CRITERIA: tuple[str, ...] = ("policy_adherence", "faithfulness", "human_realism")
"""What the trajectory committee scores, each 0 or 1."""


class RolloutConfig(BaseModel):
    """How phase 2 runs (the ``rollout`` section of the settings tree).

    Phase 2 names roles (``human``, ``agent``, ``judge``), never models: which models
    play them is the ``models`` section (:class:`apigen.llm.ModelsConfig`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    criteria: tuple[str, ...] = CRITERIA
    """Criteria each judge scores. Default: policy adherence, faithfulness, human realism."""
    judge_attempts: int = Field(default=2, ge=1)
    """Asks per judge before an unparseable answer counts as an abstention (each re-ask
    tells the judge why its answer could not be read). Default 2."""
    verifiers: tuple[str, ...] = DEFAULT_VERIFIERS
    """Verifiers deciding acceptance, in order, by registered name (built-ins
    ``state``, ``outputs``, ``policy``, ``committee``: the ``judge`` role's models,
    one per member; plug-ins register with
    ``apigen.rollout.register_verifier`` or the ``apigen.verifiers`` entry-point
    group). The ``ending`` verdict is always there; early rejection fires only for
    ``policy``/``state`` when they are listed. Default the four built-ins."""

    trials: int = Field(default=3, ge=1, le=MAX_COUNT)
    """Episodes per blueprint (T). Default 3."""
    stop_after_accept: bool = False
    """Stop a blueprint's trials at its first accepted trajectory. Default ``False``:
    run all T trials and keep every distinct accepted one (as APIGen-MT samples
    several), at up to T times the cost of stopping early."""

    max_turns: int = Field(default=30, ge=1, le=MAX_COUNT)
    """Human messages per episode, the final ``###STOP###`` included. Default 30."""
    max_tool_calls: int = Field(default=60, ge=1, le=MAX_COUNT)
    """Agent tool calls per episode (malformed ones included). Default 60."""
    max_consecutive_errors: int = Field(default=5, ge=1)
    """Failed tool calls or empty agent answers in a row before the episode ends. Default 5."""
    max_episode_s: float = Field(default=600.0, gt=0)
    """Wall-clock limit of one episode in seconds. Default 600."""

    early_rejection: bool = True
    """Stop an episode as soon as it provably cannot be accepted. Default ``True``."""

    human_candidates: int = Field(default=1, ge=1, le=MAX_COUNT)
    """Best-of-N human turns: candidates sampled per turn. Default 1 (off)."""
    human_temperature: float = Field(default=1.0, ge=0)
    """Sampling temperature of best-of-N candidates (unitless). Default 1.0. The
    ``judge`` role's first model picks the best candidate."""
    human_min_score: float = Field(default=5.0, ge=0, le=10)
    """Best-of-N self-critique: when the judge scores the best candidate below this
    (0-10), the human rewrites it once given the judge's critique. 0 turns it off.
    Default 5."""
    greeting: str = "Hi! How can I help you today?"
    """The agent's opening line as the human sees it (not recorded). Default as shown."""

    @field_validator("verifiers")
    @classmethod
    def _known_verifiers(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return known_verifiers(names)
