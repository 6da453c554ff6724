"""Phase-1 validation stages by name: the registry, what a stage sees, the code stages.

A stage is a function of a :class:`StageInput` returning a
:class:`apigen.types.StageOutcome` (or an awaitable of one), registered under a
name with :func:`register_stage`; ``Phase1Config.stages`` lists the names to run,
in order. Plug-ins register from their own module, or through the entry-point
group ``apigen.stages`` (see :mod:`apigen._registry`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Container
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from apigen._registry import Registry
from apigen.blueprints._checks import (
    check_execution,
    check_format,
    check_grounding,
    check_null_solution,
    check_outputs,
    check_policy,
)
from apigen.env import Environment, Replay, replay_with_policy
from apigen.types import Blueprint, StageOutcome

if TYPE_CHECKING:
    from apigen.blueprints._client import ModelClient, RoleUsage
    from apigen.blueprints._config import Phase1Config
    from apigen.blueprints._sampling import SampledContext
    from apigen.blueprints._templates import PromptTemplates

__all__ = [
    "DEFAULT_STAGES",
    "PARSE_STAGE",
    "Stage",
    "StageInput",
    "get_stage",
    "known_stages",
    "register_stage",
    "run_stages",
    "stage_names",
]

DEFAULT_STAGES: tuple[str, ...] = (
    "format",
    "execution",
    "policy",
    "null_solution",
    "grounding",
    "outputs",
    "review",
    "dedup",
)
"""The stages a round runs by default, in order: the code stages any model gets, then
the committee, then dedup."""

PARSE_STAGE = "format"
"""The stage an unparseable generator answer fails at (whether or not it is listed)."""


@dataclass
class StageInput:
    """What a stage sees of one round: the candidate, its context, the services."""

    blueprint: Blueprint
    context: SampledContext
    client: ModelClient
    config: Phase1Config
    templates: PromptTemplates
    tally: RoleUsage
    round: int
    feedback: list[str]
    known: Container[str]
    """Fingerprints of blueprints already accepted (``dedup`` reads them)."""
    reviewers: tuple[str, ...]
    """Model names of the review committee's members."""
    variables: dict[str, Any]
    """Template variables shared with the generator prompt."""
    sim: dict[str, Any]
    """The structured context ``sim/…`` models read."""

    @property
    def env(self) -> Environment:
        return self.context.env

    @cached_property
    def replay(self) -> Replay:
        """The blueprint's actions replayed in a fresh sandbox, with the policy checks
        (computed once, on first use)."""
        return replay_with_policy(self.env, self.blueprint.actions)


StageFn = Callable[[StageInput], StageOutcome | Awaitable[StageOutcome]]
"""A stage: sync or async, returning its outcome (failures are outcomes, never exceptions)."""


@dataclass(frozen=True)
class Stage:
    """A registered stage: its function, and whether a failure ends the attempt
    (``final``: feedback cannot repair it, as for a duplicate)."""

    name: str
    run: StageFn
    final: bool = False


def _adopt(name: str, obj: object) -> Stage:
    if isinstance(obj, Stage):
        return obj
    if callable(obj):
        return Stage(name, obj)
    raise TypeError(f"{obj!r} is neither a Stage nor a function")


_STAGES: Registry[Stage] = Registry("stage", "apigen.stages", _adopt, max_length=16)


def register_stage(name: str, *, final: bool = False) -> Callable[[StageFn], StageFn]:
    """Decorator: register a stage function under ``name`` (lower-case, ≤ 16 chars:
    the database's stage columns)."""

    def wrap(fn: StageFn) -> StageFn:
        _STAGES.register(name, Stage(name, fn, final))
        return fn

    return wrap


def stage_names() -> list[str]:
    """Every registered stage name, sorted (plug-ins included)."""
    return _STAGES.names()


def known_stages(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` when every one is a registered stage; else :class:`ValueError` naming
    the first unknown one and listing the known ones."""
    return _STAGES.require(names)


def get_stage(name: str) -> Stage:
    """The stage registered as ``name``; :class:`UnknownNameError` lists the known ones."""
    return _STAGES.get(name)


async def run_stages(names: tuple[str, ...], inp: StageInput) -> list[StageOutcome]:
    """Run the stages ``names`` in order on ``inp``, stopping after the first failure."""
    outcomes: list[StageOutcome] = []
    for name in names:
        result = get_stage(name).run(inp)
        outcome = await result if inspect.isawaitable(result) else result
        if outcome.stage != name:
            outcome = outcome.model_copy(update={"stage": name})
        outcomes.append(outcome)
        if not outcome.passed:
            break
    return outcomes


@register_stage("format")
def _format(inp: StageInput) -> StageOutcome:
    return check_format(inp.blueprint, inp.env)


@register_stage("execution")
def _execution(inp: StageInput) -> StageOutcome:
    return check_execution(inp.replay)


@register_stage("policy")
def _policy(inp: StageInput) -> StageOutcome:
    return check_policy(inp.replay)


@register_stage("null_solution")
def _null_solution(inp: StageInput) -> StageOutcome:
    return check_null_solution(inp.blueprint, inp.replay, inp.env.domain)


@register_stage("grounding")
def _grounding(inp: StageInput) -> StageOutcome:
    return check_grounding(inp.blueprint, inp.replay, inp.env.domain)


@register_stage("outputs")
def _outputs(inp: StageInput) -> StageOutcome:
    return check_outputs(inp.blueprint, inp.replay)


@register_stage("dedup", final=True)
def _dedup(inp: StageInput) -> StageOutcome:
    fp = inp.blueprint.fingerprint()
    dup = fp in inp.known
    why = ("duplicate of a known blueprint", f"fingerprint {fp}") if dup else ()
    return StageOutcome(stage="dedup", passed=not dup, reasons=why)
