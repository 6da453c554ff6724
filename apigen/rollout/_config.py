"""Phase-2 settings: models, trials, limits, early rejection, best-of-N, committee."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from apigen.errors import ConfigError
from apigen.rollout._verifiers import DEFAULT_VERIFIERS, known_verifiers
from apigen.safety import MAX_COUNT

__all__ = ["CRITERIA", "RolloutConfig"]

CRITERIA: tuple[str, ...] = ("policy_adherence", "faithfulness", "human_realism")
"""What the trajectory committee scores, each 0 or 1."""


class RolloutConfig(BaseSettings):
    """How phase 2 runs. Layered: defaults < ``APIGEN_ROLLOUT_*`` environment < arguments.

    Model fields left ``None`` use the role's first model in the LLM client's
    configuration (``human``, ``agent``, ``judge``).
    """

    model_config = SettingsConfigDict(
        env_prefix="APIGEN_ROLLOUT_", extra="forbid", frozen=True, use_attribute_docstrings=True
    )

    agent_model: str | None = None
    """Model playing the agent (function calling). Default ``None``: the ``agent`` role's."""
    human_model: str | None = None
    """Model playing the human. Default ``None``: the ``human`` role's."""
    judges: tuple[str, ...] = ()
    """Trajectory committee, one model per member (repeats allowed). Default ``()``: off."""
    criteria: tuple[str, ...] = CRITERIA
    """Criteria each judge scores. Default: policy adherence, faithfulness, human realism."""
    judge_attempts: int = Field(default=2, ge=1)
    """Asks per judge before an unparseable answer counts as an abstention (each re-ask
    tells the judge why its answer could not be read). Default 2."""
    verifiers: tuple[str, ...] = DEFAULT_VERIFIERS
    """Verifiers deciding acceptance, in order, by registered name (built-ins
    ``state``, ``outputs``, ``policy``, ``committee``; plug-ins register with
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
    """Sampling temperature of best-of-N candidates (unitless). Default 1.0."""
    chooser_model: str | None = None
    """Judge picking the best-of-N candidate. Default ``None``: the ``judge`` role's."""

    greeting: str = "Hi! How can I help you today?"
    """The agent's opening line as the human sees it (not recorded). Default as shown."""
    concurrency: int = Field(default=8, ge=1)
    """Blueprints run at once by :func:`apigen.rollout.collect`. Default 8."""

    @field_validator("verifiers")
    @classmethod
    def _known_verifiers(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return known_verifiers(names)

    @classmethod
    def load(cls, **overrides: Any) -> RolloutConfig:
        """Build from the environment plus ``overrides`` (``None`` values are ignored);
        a bad value raises :class:`ConfigError` naming the field."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            raise ConfigError(err["msg"], field=field) from None
