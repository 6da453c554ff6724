"""Phase-2 verifiers by name: the registry, what a verifier sees, the code verifiers.

A verifier is a function of a :class:`VerifierInput` returning a
:class:`apigen.types.Verdict` (or an awaitable of one), or ``None`` when it does
not apply (the committee without judges). It is registered under a name with
:func:`register_verifier`; ``RolloutConfig.verifiers`` lists the names to run, in
order. Plug-ins register from their own module, or through the entry-point group
``apigen.verifiers`` (see :mod:`apigen._registry`).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from apigen._registry import Registry
from apigen.env import Environment
from apigen.rollout._accept import outputs_verdict, policy_verdict, state_verdict
from apigen.rollout._truth import GroundTruth
from apigen.types import Blueprint, Message, StateDiff, Verdict, Violation

if TYPE_CHECKING:
    from apigen.rollout._client import ModelClient, UsageBook
    from apigen.rollout._config import RolloutConfig

__all__ = [
    "DEFAULT_VERIFIERS",
    "Verifier",
    "VerifierInput",
    "get_verifier",
    "known_verifiers",
    "register_verifier",
    "run_verifiers",
    "verifier_names",
]

DEFAULT_VERIFIERS: tuple[str, ...] = ("state", "outputs", "policy", "committee")
"""The verifiers an episode runs by default, in order."""


@dataclass(frozen=True)
class VerifierInput:
    """What a verifier sees of one finished episode."""

    blueprint: Blueprint
    env: Environment
    messages: tuple[Message, ...]
    diff: StateDiff
    """The episode's final state diff."""
    truth: GroundTruth
    violations: tuple[Violation, ...]
    """Policy violations flagged during the episode."""
    ending: str
    verdicts: tuple[Verdict, ...]
    """Verdicts decided so far (``ending``, ``early_reject``, earlier verifiers)."""
    client: ModelClient
    config: RolloutConfig
    book: UsageBook
    """Where model calls are booked (by role)."""
    context: Callable[..., dict[str, Any]]
    """The episode's ``sim/…`` context builder (extra keys as keyword arguments)."""
    judges: tuple[str, ...]
    """Model names of the trajectory committee's members (empty: no committee)."""


VerifierFn = Callable[[VerifierInput], Verdict | Awaitable[Verdict | None] | None]
"""A verifier: sync or async, returning its verdict or ``None`` when it does not apply."""


@dataclass(frozen=True)
class Verifier:
    """A registered verifier; ``after_pass`` ones (costly: model calls) run only when
    every verdict before them passed."""

    name: str
    run: VerifierFn
    after_pass: bool = False


def _adopt(name: str, obj: object) -> Verifier:
    if isinstance(obj, Verifier):
        return obj
    if callable(obj):
        return Verifier(name, obj)
    raise TypeError(f"{obj!r} is neither a Verifier nor a function")


_VERIFIERS: Registry[Verifier] = Registry("verifier", "apigen.verifiers", _adopt, max_length=64)


def register_verifier(name: str, *, after_pass: bool = False) -> Callable[[VerifierFn], VerifierFn]:
    """Decorator: register a verifier function under ``name`` (lower-case, ≤ 64 chars)."""

    def wrap(fn: VerifierFn) -> VerifierFn:
        _VERIFIERS.register(name, Verifier(name, fn, after_pass))
        return fn

    return wrap


def verifier_names() -> list[str]:
    """Every registered verifier name, sorted (plug-ins included)."""
    return _VERIFIERS.names()


def known_verifiers(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` when every one is a registered verifier; else :class:`ValueError` naming
    the first unknown one and listing the known ones."""
    return _VERIFIERS.require(names)


def get_verifier(name: str) -> Verifier:
    """The verifier registered as ``name``; :class:`UnknownNameError` lists the known ones."""
    return _VERIFIERS.get(name)


async def run_verifiers(names: Sequence[str], inp: VerifierInput) -> list[Verdict]:
    """The verdicts of the verifiers ``names``, in order, after ``inp.verdicts``.

    Each verifier sees the verdicts decided before it; an ``after_pass`` verifier is
    skipped when one of them failed, and a ``None`` result adds no verdict.
    """
    verdicts = list(inp.verdicts)
    for name in names:
        verifier = get_verifier(name)
        if verifier.after_pass and not all(v.passed for v in verdicts):
            continue
        result = verifier.run(replace(inp, verdicts=tuple(verdicts)))
        verdict = await result if inspect.isawaitable(result) else result
        if verdict is None:
            continue
        if verdict.verifier != name:
            verdict = verdict.model_copy(update={"verifier": name})
        verdicts.append(verdict)
    return verdicts[len(inp.verdicts) :]


@register_verifier("state")
def _state(inp: VerifierInput) -> Verdict:
    return state_verdict(inp.diff, inp.truth, inp.env.domain.comparison)


@register_verifier("outputs")
def _outputs(inp: VerifierInput) -> Verdict:
    return outputs_verdict(inp.blueprint.outputs, inp.messages)


@register_verifier("policy")
def _policy(inp: VerifierInput) -> Verdict:
    return policy_verdict(inp.violations)
