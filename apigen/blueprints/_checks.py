"""Validation stages 1-3 (format, execution, policy): code checks, no model involved."""

from __future__ import annotations

from apigen.env import Environment, Replay, replay_with_policy
from apigen.types import Blueprint, StageOutcome

__all__ = ["check_execution", "check_format", "check_policy", "validate_offline"]


def check_format(blueprint: Blueprint, env: Environment) -> StageOutcome:
    """Tool names exist, arguments validate against the tool schemas, outputs are strings."""
    reasons: list[str] = []
    if blueprint.domain != env.domain.name:
        reasons.append(f"domain {blueprint.domain!r} is not {env.domain.name!r}")
    tools = env.domain.tool_map
    if not any(
        tools.get(a.name) is not None and tools[a.name].kind == "write" for a in blueprint.actions
    ):
        reasons.append("no write action: a task must change the state")
    for i, action in enumerate(blueprint.actions):
        tool = tools.get(action.name)
        if tool is None:
            reasons.append(f"actions[{i}]: unknown tool {action.name!r}")
            continue
        try:
            tool.validate(action.arguments)
        except ValueError as exc:
            reasons.append(f"actions[{i}] {action.name}: {exc}")
    for i, out in enumerate(blueprint.outputs):
        if not isinstance(out, str) or not out.strip():
            reasons.append(f"outputs[{i}]: must be a non-empty string")
    return StageOutcome(stage="format", passed=not reasons, reasons=tuple(reasons))


def check_execution(replay: Replay) -> StageOutcome:
    """No tool errors, and every write changes the state."""
    reasons = [
        f"actions[{i}] {e.call.name}: {e.error.kind}: {e.error.message}"
        for i, e in replay.errors
        if e.error is not None
    ]
    reasons += [
        f"actions[{i}] {e.call.name}: write changed nothing" for i, e in replay.unchanged_writes
    ]
    return StageOutcome(stage="execution", passed=not reasons, reasons=tuple(reasons))


def check_policy(replay: Replay) -> StageOutcome:
    """The domain's policy checks on the replayed trace."""
    reasons = [
        (f"actions[{v.call_index}] " if v.call_index is not None else "") + f"{v.rule}: {v.message}"
        for v in replay.violations
    ]
    return StageOutcome(stage="policy", passed=not reasons, reasons=tuple(reasons))


def validate_offline(
    blueprint: Blueprint, env: Environment
) -> tuple[list[StageOutcome], Replay | None]:
    """Run stages 1-3 in order, stopping at the first failure."""
    stages = [check_format(blueprint, env)]
    if not stages[0].passed:
        return stages, None
    replay = replay_with_policy(env, blueprint.actions)
    stages.append(check_execution(replay))
    if stages[-1].passed:
        stages.append(check_policy(replay))
    return stages, replay
