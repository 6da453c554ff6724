"""Code stages any model gets: format, execution, policy, null solution, grounding,
outputs. No model involved; each returns a :class:`StageOutcome` with named reasons."""

from __future__ import annotations

import json

from apigen.env import (
    Domain,
    Environment,
    Replay,
    mentions,
    numbers_in,
    replay_with_policy,
    restates,
    tool_like,
    ungrounded_arguments,
)
from apigen.types import Blueprint, StageOutcome

__all__ = [
    "check_execution",
    "check_format",
    "check_grounding",
    "check_null_solution",
    "check_outputs",
    "check_policy",
    "validate_offline",
]


def check_format(blueprint: Blueprint, env: Environment) -> StageOutcome:
    """Tool names exist, arguments validate against the tool schemas, outputs are
    strings; a task has a write, or (where the domain ``allows_information_only``)
    outputs to report."""
    reasons: list[str] = []
    if blueprint.domain != env.domain.name:
        reasons.append(f"domain {blueprint.domain!r} is not {env.domain.name!r}")
    tools = env.domain.tool_map
    writes = any(
        tools.get(a.name) is not None and tools[a.name].kind == "write" for a in blueprint.actions
    )
    if not writes and not env.domain.allows_information_only:
        reasons.append("no write action: a task must change the state")
    elif not writes and not blueprint.outputs:
        reasons.append("no write action and no outputs: an information task reports something")
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


def _net_changes(replay: Replay) -> list[str]:
    return [
        f"{table}/{key}"
        for table, rows in replay.diff.items()
        for key, row in rows.items()
        if row.get("before") != row.get("after")
    ]


def check_null_solution(blueprint: Blueprint, replay: Replay, domain: Domain) -> StageOutcome:
    """Reject a task an agent making no write would pass: writes that leave the state
    as it was (the initial state already satisfies the task), or no net change and
    nothing to report that needs a tool (no outputs, or every output already stated in
    the instruction)."""
    tools = domain.tool_map
    writes = [a for a in blueprint.actions if a.name in tools and tools[a.name].kind == "write"]
    reasons: list[str] = []
    if _net_changes(replay):
        return StageOutcome(stage="null_solution", passed=True)
    if writes:
        reasons.append(
            f"the writes ({', '.join(a.name for a in writes)}) leave the state as it was: "
            "an agent making no write would pass"
        )
    elif not blueprint.outputs:
        reasons.append("no state change and no outputs: an agent doing nothing would pass")
    elif all(restates(blueprint.instruction, o) for o in blueprint.outputs):
        reasons.append(
            "no state change and every output is already in the instruction: an agent "
            "making no tool call would pass"
        )
    return StageOutcome(stage="null_solution", passed=not reasons, reasons=tuple(reasons))


def check_grounding(blueprint: Blueprint, replay: Replay, domain: Domain) -> StageOutcome:
    """Every write argument (string and number leaves, free text excepted) is stated
    in the instruction or returned by an earlier call; the instruction names no tool."""
    tools = domain.tool_map
    named = tool_like(list(tools), blueprint.instruction)
    reasons = [f"the instruction names tools: {', '.join(named)}"] if named else []
    reasons += [str(u) for u in ungrounded_arguments(blueprint.instruction, replay.trace, tools)]
    return StageOutcome(stage="grounding", passed=not reasons, reasons=tuple(reasons))


def check_outputs(blueprint: Blueprint, replay: Replay) -> StageOutcome:
    """Every expected output follows from the replay's tool outputs: it appears in
    them, or every number it holds does."""
    text = " ".join(json.dumps(e.output, ensure_ascii=False) for e in replay.trace if e.ok)
    found = numbers_in(text)
    reasons = [
        f"output {o!r} does not follow from the tool outputs"
        for o in blueprint.outputs
        if not mentions(text, o) and not (numbers_in(o) and numbers_in(o) <= found)
    ]
    return StageOutcome(stage="outputs", passed=not reasons, reasons=tuple(reasons))


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
