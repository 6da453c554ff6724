"""What a blueprint asks for, as the sim roles see it; and the per-episode fault plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from apigen.env import Tool, get_domain, leaves
from apigen.errors import ApigenError
from apigen.llm.sim._common import derive_rng
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._facts import prose_cues
from apigen.llm.sim._knobs import SimKnobs
from apigen.types import JSON, Blueprint, ToolCall

__all__ = [
    "FaultPlan",
    "Plan",
    "Step",
    "free_text_args",
    "plan_of",
    "planned_faults",
    "tool_map_for",
]


@dataclass(frozen=True)
class FaultPlan:
    """The fault one episode of one role plays (``kind is None``: it plays well).

    ``target`` is a seeded integer a role reduces modulo what it can pick from
    (the agent: ``target % len(steps)`` is the step that goes wrong).
    """

    kind: str | None
    target: int

    def step(self, count: int) -> int:
        """The index, among ``count`` candidates, this fault hits."""
        return self.target % count if count else 0


def planned_faults(role: str, knobs: SimKnobs, episode: str, seed: int = 0) -> FaultPlan:
    """The fault ``role`` injects in episode ``episode``: decided once per episode key.

    Tests and benchmarks call this to know which episodes were meant to fail and how;
    model output never says so. ``seed`` is the context's seed (0 when absent).
    """
    rng = derive_rng("fault", seed, knobs.seed, role, episode)
    draw, target = rng.random(), rng.randrange(2**31)
    acc = 0.0
    for kind, weight in knobs.fault_weights(role).items():
        acc += weight
        if weight > 0 and draw < acc:
            return FaultPlan(kind=kind, target=target)
    return FaultPlan(kind=None, target=target)


def free_text_args(call: ToolCall, tool: Tool | None) -> tuple[str, ...]:
    """Names of ``call``'s arguments declared free text (``@tool(free_text=...)``) that
    hold something: prose the agent composes, no fact the customer states."""
    declared = tool.free_text if tool is not None else frozenset()
    return tuple(
        name
        for name, value in call.arguments.items()
        if name in declared and isinstance(value, str) and value.strip()
    )


@dataclass(frozen=True)
class Step:
    """One write of a blueprint with the reads that ground it."""

    reads: tuple[ToolCall, ...]
    write: ToolCall
    post_reads: tuple[ToolCall, ...] = ()
    """Reads after the last write (only on the last step)."""
    prose: tuple[str, ...] = ()
    """Arguments of the write that are free text the agent composes (a summary...)."""
    handoff: bool = False
    """The write hands the conversation to a person (declared ``handoff``)."""
    confirm: bool = False
    """The write needs the customer's explicit yes first (declared ``confirm``)."""

    def values(self) -> list[str | int | float]:
        """The facts the human states for this step: the write's argument values, except
        blank strings and the free text the agent composes."""
        args = {k: v for k, v in self.write.arguments.items() if k not in self.prose}
        return leaves(args)

    def cues(self) -> list[str | int | float]:
        """What names this step in a sentence: its facts, then the ids, e-mail addresses
        and numbers its free-text arguments quote."""
        quoted = [c for k in self.prose for c in prose_cues(str(self.write.arguments[k]))]
        return [*self.values(), *(c for c in quoted if c not in self.values())]


@dataclass(frozen=True)
class Plan:
    """A blueprint split into authentication, steps and expected outputs."""

    auth: tuple[ToolCall, ...]
    steps: tuple[Step, ...]
    outputs: tuple[str, ...]
    lookups: tuple[ToolCall, ...] = ()
    """The reads of an information-only task (no write): look up, then report."""

    @property
    def identity(self) -> dict[str, JSON]:
        """Arguments of the authentication calls: what the human gives to identify."""
        found: dict[str, JSON] = {}
        for call in self.auth:
            found.update(call.arguments)
        return found


def tool_map_for(ctx: Mapping[str, Any], domain: str) -> dict[str, Tool]:
    """The domain's tools, from the context's env or sandbox, else from the registry."""
    for key in (ContextKey.ENV, ContextKey.SANDBOX):
        holder = ctx.get(key)
        if holder is not None and getattr(holder, "domain", None) is not None:
            return dict(holder.domain.tool_map)
    try:
        return dict(get_domain(domain).tool_map)
    except ApigenError:
        return {}


def plan_of(blueprint: Blueprint, tools: Mapping[str, Tool]) -> Plan:
    """Split ``blueprint.actions``: leading calls of tools declared ``authenticates``,
    then each write with the reads before it; reads after the last write trail it."""
    actions = list(blueprint.actions)

    def kind(call: ToolCall) -> str:
        tool = tools.get(call.name)
        return tool.kind if tool is not None else "read"

    auth: list[ToolCall] = []
    while actions and (tool := tools.get(actions[0].name)) is not None and tool.authenticates:
        auth.append(actions.pop(0))
    steps: list[Step] = []
    pending: list[ToolCall] = []
    for call in actions:
        if kind(call) == "write":
            tool = tools.get(call.name)
            steps.append(
                Step(
                    reads=tuple(pending),
                    write=call,
                    prose=free_text_args(call, tool),
                    handoff=tool is not None and tool.handoff,
                    confirm=tool is not None and tool.confirm,
                )
            )
            pending = []
        else:
            pending.append(call)
    if pending and steps:
        steps[-1] = replace(steps[-1], post_reads=tuple(pending))
    lookups = tuple(pending) if not steps else ()
    return Plan(
        auth=tuple(auth), steps=tuple(steps), outputs=tuple(blueprint.outputs), lookups=lookups
    )
