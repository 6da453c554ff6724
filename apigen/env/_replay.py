"""Replaying an action list with policy checks: shared by validation and acceptance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from apigen.env._domain import Environment
from apigen.types import Message, StateDiff, ToolCall, ToolExecution, Violation

__all__ = ["Replay", "replay_with_policy"]


@dataclass(frozen=True)
class Replay:
    """The result of replaying actions in a fresh sandbox."""

    trace: tuple[ToolExecution, ...]
    violations: tuple[Violation, ...]
    diff: StateDiff
    state_hash: str

    @property
    def errors(self) -> list[tuple[int, ToolExecution]]:
        return [(i, e) for i, e in enumerate(self.trace) if e.error is not None]

    @property
    def unchanged_writes(self) -> list[tuple[int, ToolExecution]]:
        return [(i, e) for i, e in enumerate(self.trace) if e.write and e.ok and not e.changed]


def replay_with_policy(
    env: Environment,
    calls: Iterable[ToolCall],
    messages: Sequence[Message] | None = None,
) -> Replay:
    """Run ``calls`` in a fresh sandbox, checking policy before each call."""
    box = env.sandbox()
    violations: list[Violation] = []
    for call in calls:
        violations.extend(box.policy_violations(call, messages))
        box.call(call)
    return Replay(box.trace, tuple(violations), box.diff(), box.state_hash())
