"""Offline scripted role-players reached through litellm as ``sim/<role>`` models.

Sim data is templated. It is for trying, testing and benchmarking the pipeline,
NOT for training: never mix sim conversations into a training set.

Contract
--------
``register_sim_provider(defaults=None) -> SimProvider``
    Idempotent. Adds ``{"provider": "sim", "custom_handler": <SimProvider>}`` to
    ``litellm.custom_provider_map`` and runs litellm's custom-provider setup, after
    which ``litellm.acompletion(model="sim/agent", messages=..., tools=...)`` (and
    ``litellm.completion``) reach the sim roles. ``defaults`` are run-level knobs.

Model names
    ``sim/<role>?knob=value&...``; roles: ``generator``, ``reviewer``, ``judge``,
    ``human``, ``agent``, ``echo`` (returns the last user message). Knobs are the
    fields of :class:`SimKnobs`; layering is field default < ``defaults`` < name <
    ``context["sim"]``. An unknown role, an unknown knob or a bad value is a
    :class:`~apigen.errors.ConfigError` / :class:`~apigen.errors.UnknownNameError`;
    through litellm it arrives as ``litellm.BadRequestError`` (400, not retryable)
    whose ``__cause__`` is that apigen error. :func:`parse_sim_model` and
    :func:`resolve_knobs` check a name up front without litellm.

Episode context
    The role reads :data:`apigen.llm._context.EPISODE_CONTEXT` (a mapping the client
    sets around each call) under the keys of :class:`ContextKey`. A role missing a
    key it needs raises ConfigError naming the key (as a BadRequestError, above).

Determinism
    Every choice comes from ``random.Random`` seeded by a stable hash of (context
    ``seed``, ``seed`` knob, role, ``episode`` key, number of request messages,
    purpose). Same seed and inputs give the same text and tool calls (tool-call ids
    included). Transport draws (failures, latency, corrupted tool calls) also count
    how often the provider saw the identical request, so a retry draws afresh.

Transport knobs
    ``rate_limit`` -> ``litellm.RateLimitError`` (429; ``retry-after`` header on
    ``err.response.headers`` and ``err.headers``); ``server_error`` ->
    ``litellm.InternalServerError`` (500) or ``litellm.ServiceUnavailableError``
    (503); ``timeout`` -> ``litellm.Timeout``; ``malformed_tool_json`` /
    ``unknown_tool`` corrupt one tool call of a reply; ``latency`` (+ ``latency_jitter``
    or ``latency_dist=exp``) sleeps with ``asyncio.sleep`` in ``acompletion``.

Responses
    A ``litellm.ModelResponse`` with one choice; ``usage`` holds real token counts
    (litellm's bundled tiktoken encoding, offline). ``sim/agent`` fills
    ``reasoning_content`` with a one-line plan; its text never reveals a fault. The
    roles read declarations, never guess from names: ``sim/agent`` asks for
    confirmation (:mod:`apigen.env.protocol`; the ``phrasing`` knob: ``varied``
    realistic wordings by default, ``canonical`` "... Do you confirm (yes/no)?")
    before each write declared ``confirm`` and makes other writes at once; it asks for identity only
    when the blueprint starts with ``authenticates`` calls; a ``handoff`` write is
    reported as done and ``sim/human`` answers ``###TRANSFER###`` only after that
    report. Both recognise each other's moves with :mod:`apigen.env.protocol` only.

Faults
    Behaviour faults are planned once per episode key: :func:`planned_faults` tells
    tests and benchmarks which fault (if any) an episode plays. Per role: agent
    ``wrong_argument``, ``skipped_step``, ``extra_write``, ``missing_confirmation``,
    ``invented_output`` (plus ``error_rate`` split evenly over them); human
    ``stop_early``, ``drift``; generator ``unknown_tool``, ``bad_argument``,
    ``policy_breach``, ``missing_fact``, ``malformed`` (repaired in later rounds
    whose feedback names them); reviewer/judge ``disagree`` flips each score.

Text helpers
    ``field_value(record, name)`` the first scalar under a key at any depth. The sim
    roles read facts in text with :mod:`apigen.env`'s helpers (``leaves``,
    ``mentions``, ``restates``, ``numbers_in``, ``tool_like``), the ones phase 1's
    code stages use (the reviewer's ``completeness`` is the ``grounding`` stage's
    ``ungrounded_arguments``).

See ``docs/sim-models.md`` for each role's behaviour and answer format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from apigen.llm.sim._common import field_value
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._knobs import (
    AGENT_FAULTS,
    GENERATOR_FAULTS,
    HUMAN_FAULTS,
    ROLES,
    SimKnobs,
    parse_sim_model,
    resolve_knobs,
)
from apigen.llm.sim._plan import FaultPlan, planned_faults

if TYPE_CHECKING:
    from apigen.llm.sim._provider import SimProvider

__all__ = [
    "AGENT_FAULTS",
    "GENERATOR_FAULTS",
    "HUMAN_FAULTS",
    "ROLES",
    "ContextKey",
    "FaultPlan",
    "SimKnobs",
    "SimProvider",
    "field_value",
    "parse_sim_model",
    "planned_faults",
    "register_sim_provider",
    "resolve_knobs",
]


def register_sim_provider(defaults: Mapping[str, Any] | SimKnobs | None = None) -> SimProvider:
    """Make ``sim/<role>`` model names work in litellm (idempotent); returns the handler.

    ``defaults`` replaces the handler's run-level knob defaults when given.
    """
    from apigen.llm.sim._provider import register

    return register(defaults)


def __getattr__(name: str) -> Any:
    if name == "SimProvider":  # litellm is imported only when the class is wanted
        from apigen.llm.sim._provider import SimProvider

        return SimProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
