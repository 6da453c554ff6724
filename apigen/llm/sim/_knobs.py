"""Knobs of the sim models: parsed from ``sim/<role>?k=v&…`` and the context's ``sim`` map.

Layering, lowest first: the field defaults below < the defaults given to
:func:`~apigen.llm.sim.register_sim_provider` (run configuration) < the model-name
query < ``context["sim"]``. The context wins over the name because it is set per
call by code (a benchmark sweeping an error rate across episodes), while the name
is fixed for a whole run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from apigen.errors import ConfigError, UnknownNameError

__all__ = [
    "AGENT_FAULTS",
    "GENERATOR_FAULTS",
    "HUMAN_FAULTS",
    "ROLES",
    "SimKnobs",
    "parse_sim_model",
    "resolve_knobs",
]

ROLES = ("generator", "reviewer", "judge", "human", "agent", "echo")
AGENT_FAULTS = (
    "wrong_argument",
    "skipped_step",
    "extra_write",
    "missing_confirmation",
    "invented_output",
)
HUMAN_FAULTS = ("stop_early", "drift")
GENERATOR_FAULTS = ("unknown_tool", "bad_argument", "policy_breach", "missing_fact", "malformed")

Prob = float


def _p() -> Any:
    return Field(0.0, ge=0.0, le=1.0)


class SimKnobs(BaseModel):
    """Every knob of every sim role. Probabilities are in ``[0, 1]``; all draws are seeded."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    seed: int = 0
    """Mixed with the context's ``seed`` into every random choice."""
    # -- transport ------------------------------------------------------------
    latency: float = Field(0.0, ge=0.0)
    """Seconds each call takes (mean of the distribution); default 0."""
    latency_jitter: float = Field(0.0, ge=0.0)
    """Half-width in seconds of a uniform spread around ``latency`` (``uniform`` only)."""
    latency_dist: Literal["uniform", "exp"] = "uniform"
    """``uniform``: latency ± jitter; ``exp``: exponential with mean ``latency``."""
    rate_limit: Prob = _p()
    """Probability a call raises ``litellm.RateLimitError`` (429, with Retry-After)."""
    retry_after: float = Field(1.0, ge=0.0)
    """Seconds put in the Retry-After header of injected rate-limit errors."""
    server_error: Prob = _p()
    """Probability a call raises a 500 (``InternalServerError``) or 503
    (``ServiceUnavailableError``), half each."""
    timeout: Prob = _p()
    """Probability a call raises ``litellm.Timeout``."""
    malformed_tool_json: Prob = _p()
    """Probability that one tool call of a reply has arguments that are not JSON."""
    unknown_tool: Prob = _p()
    """Tool-calling roles: probability one tool call names a tool not offered.
    Generator: probability the blueprint uses a tool the domain does not have."""
    # -- agent and human -------------------------------------------------------
    phrasing: Literal["canonical", "varied"] = "varied"
    """How the agent asks for confirmation and the human answers:
    ``varied`` (default) draws each request, agreement and refusal from the shapes
    real agents and users write, seeded per episode and step; ``canonical`` always
    asks "Do you confirm (yes/no)?" and answers "Yes, please go ahead." (see
    :mod:`apigen.env.protocol`)."""
    # -- agent ----------------------------------------------------------------
    wrong_argument: Prob = _p()
    """One write gets a different, schema-valid value."""
    skipped_step: Prob = _p()
    """One write is never made, yet the agent says it is done."""
    extra_write: Prob = _p()
    """A write the blueprint does not ask for is made along with a confirmed one."""
    missing_confirmation: Prob = _p()
    """One write is made without asking the human to confirm."""
    invented_output: Prob = _p()
    """One expected output is stated with a wrong value."""
    error_rate: Prob = _p()
    """Total extra fault probability, split evenly over the five agent faults."""
    # -- human ----------------------------------------------------------------
    stop_early: Prob = _p()
    """The human ends with ``###STOP###`` before every request is done."""
    drift: Prob = _p()
    """The human asks one off-task question."""
    # -- reviewer / judge -----------------------------------------------------
    disagree: Prob = _p()
    """Each criterion's score is flipped with this probability."""
    # -- generator ------------------------------------------------------------
    bad_argument: Prob = _p()
    """A write argument gets a wrong JSON type, or a required one is dropped."""
    policy_breach: Prob = _p()
    """The authentication calls are dropped from the actions."""
    missing_fact: Prob = _p()
    """One fact a write needs is left out of the instruction."""
    malformed: Prob = _p()
    """The answer misses its ``</actions>`` tag or has broken actions JSON."""
    repair: Prob = Field(1.0, ge=0.0, le=1.0)
    """Probability a fault named by the feedback is repaired in the next round."""

    @model_validator(mode="after")
    def _totals(self) -> SimKnobs:
        groups = {
            "agent faults + error_rate": [*AGENT_FAULTS, "error_rate"],
            "human faults": list(HUMAN_FAULTS),
            "generator faults": list(GENERATOR_FAULTS),
            "rate_limit + server_error + timeout": ["rate_limit", "server_error", "timeout"],
        }
        for label, names in groups.items():
            total = sum(getattr(self, n) for n in names)
            if total > 1.0 + 1e-9:
                raise ValueError(f"{label} add up to {total:g}; at most 1 allowed")
        return self

    def fault_weights(self, role: str) -> dict[str, float]:
        """Probability of each episode-level fault of ``role`` (empty for other roles)."""
        if role == "agent":
            share = self.error_rate / len(AGENT_FAULTS)
            return {f: getattr(self, f) + share for f in AGENT_FAULTS}
        if role == "human":
            return {f: getattr(self, f) for f in HUMAN_FAULTS}
        if role == "generator":
            return {f: getattr(self, f) for f in GENERATOR_FAULTS}
        return {}


def parse_sim_model(model: str) -> tuple[str, dict[str, str]]:
    """Split ``sim/agent?wrong_argument=0.3&seed=7`` into the role and raw knob values.

    The ``sim/`` prefix is optional (litellm hands the handler the name without it).
    Raises :class:`~apigen.errors.UnknownNameError` for an unknown role and
    :class:`~apigen.errors.ConfigError` for an unknown knob or a malformed query.
    """
    name = model.removeprefix("sim/")
    role, _, query = name.partition("?")
    if role not in ROLES:
        raise UnknownNameError("sim role", role, ROLES)
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ConfigError(f"malformed knob query {query!r} in {model!r}", field="sim") from None
    params = dict(pairs)
    _check_names(params, where=model)
    return role, params


def _check_names(params: Mapping[str, Any], *, where: str) -> None:
    known = SimKnobs.model_fields
    for key in params:
        if key not in known:
            listing = ", ".join(sorted(known))
            raise ConfigError(f"unknown sim knob in {where!r} (known: {listing})", field=key)


def resolve_knobs(*layers: Mapping[str, Any] | None) -> SimKnobs:
    """Merge knob layers (later wins) and validate; errors name the offending knob."""
    merged: dict[str, Any] = {}
    for layer in layers:
        if layer:
            _check_names(layer, where="sim knobs")
            merged.update(layer)
    try:
        return SimKnobs.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "sim"
        raise ConfigError(err["msg"], field=field) from None
