"""The oracle ``apigen bench rollout`` measures early rejection against.

With hindsight, a rejected episode has a **fatal step**: the first message after
which no continuation of the conversation — any further human and agent turns, not
only what the players did — can be accepted by the configured verifiers. Stopping
there is the most any early rejection could save. Causes, checked at each step in
the order the episode loop meets them:

``identity``      a call a sound identity rule flags (``auth_before_access``,
                  ``single_user``, ``own_*``): the policy verdict fails whatever follows.
``policy``        a call any other sound rule flags (unsound rules never count: the
                  policy verdict only reports them).
``irreversible``  a write leaves a record at a value that differs from its
                  ground-truth target and that no continuation can restore. The oracle
                  does not ask ``Domain.reachable`` (the check early rejection uses): it
                  searches, on forks of the episode's sandbox, every sequence of up to
                  two write calls from a pool — the blueprint's actions, the episode's
                  own write calls (hindsight), and each of those with argument values
                  mapped from the record's current value to its target at the same
                  field — that passes the state-based policy checks and succeeds. A
                  record none of them restores counts as lost, so the oracle errs on
                  the generous side (a restoring call outside the pool makes it stop
                  earlier than any sound rule could).
``budget``        the limits leave no room: the agent's turn ended with the state or the
                  outputs unmet when the human has one message left (``max_turns``:
                  that message ends the episode either way), or the tool-call budget is
                  spent with the state unmet.
``end``           nothing was fatal before the conversation ended (the human's
                  ``###STOP###`` or hand-off, a limit): a skipped write or an output
                  never told is recoverable until the end, so the oracle saves nothing.

A rejection no verifier of the conversation explains (a ``dedup`` duplicate) has no
fatal step. Violations of the conversation rules are judged on the messages the
episode loop had at that call (the same :meth:`apigen.env.Sandbox.policy_violations`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.env import Environment, Sandbox
from apigen.rollout import GroundTruth, RolloutConfig, unmet_reasons
from apigen.types import JSON, Blueprint, Message, ToolCall, Trajectory

__all__ = ["CAUSES", "Fatal", "fatal_step"]

CAUSES: tuple[str, ...] = ("identity", "policy", "irreversible", "budget", "end")
"""Kinds of fatal step, in the order of the module docstring."""

IDENTITY_RULES = ("auth_before_access", "single_user")
"""Rule ids (and the ``own_`` prefix) that concern who the conversation serves."""

_POOL_MAX = 24
"""Calls in the restoring pool (pairs are tried: at most 24² forks per write)."""


@dataclass(frozen=True)
class Fatal:
    """Where a rejected episode became doomed: message ``index``, its cause, why."""

    index: int
    cause: str
    detail: str


def fatal_step(
    traj: Trajectory,
    blueprint: Blueprint,
    env: Environment,
    truth: GroundTruth,
    config: RolloutConfig,
) -> Fatal | None:
    """The first fatal step of a played-out, rejected ``traj`` (see the module
    docstring); ``None`` when no verifier of the conversation rejected it."""
    verifiers = set(config.verifiers)
    box = env.sandbox()
    messages = traj.messages
    writes = [c for m in messages for c in m.tool_calls if _is_write(env, c)]
    turns = calls = 0
    for index, msg in enumerate(messages):
        if msg.role == "user":
            turns += 1
        if msg.role != "assistant":
            continue
        for offset, call in enumerate(msg.tool_calls):
            if _not_run(messages, call):
                break
            calls += 1
            seen = messages[: index + 1 + offset]
            flagged = [v for v in box.policy_violations(call, seen) if v.sound]
            if flagged and "policy" in verifiers:
                cause = "identity" if _identity(flagged[0].rule) else "policy"
                return Fatal(index, cause, f"{flagged[0].rule}: {flagged[0].message}")
            execution = box.call(call)
            if execution.changed and "state" in verifiers:
                lost = _lost_records(env, box, truth, [*blueprint.actions, *writes])
                if lost:
                    return Fatal(index, "irreversible", f"{call.name}: {', '.join(lost)}")
            if calls >= config.max_tool_calls and _unmet(box, truth, env, (), verifiers):
                return Fatal(index, "budget", "tool calls spent with the state unmet")
        if not msg.tool_calls and turns >= config.max_turns - 1:
            unmet = _unmet(box, truth, env, (blueprint, messages[: index + 1]), verifiers)
            if unmet:
                return Fatal(index, "budget", f"last human message left; {unmet}")
    failed = [v.verifier for v in traj.verdicts if not v.passed]
    if any(v in ("ending", "early_reject", *verifiers) for v in failed if v != "dedup"):
        return Fatal(len(messages) - 1, "end", ", ".join(failed))
    return None


def _unmet(
    box: Sandbox,
    truth: GroundTruth,
    env: Environment,
    told: tuple[Blueprint, Sequence[Message]] | tuple[()],
    verifiers: set[str],
) -> str:
    """What the state (and, given ``told``, the outputs) still lack; empty when nothing."""
    missing = unmet_reasons(
        box.diff(),
        truth,
        sorted(verifiers),
        comparison=env.domain.comparison,
        expected=told[0].outputs if told else None,
        messages=told[1] if told else (),
    )
    return "; ".join(missing)


def _identity(rule: str) -> bool:
    return rule in IDENTITY_RULES or rule.startswith("own_")


def _is_write(env: Environment, call: ToolCall) -> bool:
    tool = env.domain.tool_map.get(call.name)
    return tool is not None and tool.kind == "write"


def _not_run(messages: Sequence[Message], call: ToolCall) -> bool:
    """The episode ended before running ``call`` (answered ``Error: not executed``)."""
    return any(
        m.role == "tool"
        and m.tool_call_id == call.id
        and (m.content or "").startswith("Error: not executed")
        for m in messages
    )


def _lost_records(
    env: Environment, box: Sandbox, truth: GroundTruth, known: Sequence[ToolCall]
) -> list[str]:
    """Changed records that differ from their target and that no sequence of up to two
    pool calls restores (``table/key``, sorted)."""
    comparison = env.domain.comparison
    base = box.diff()
    wrong: dict[tuple[str, str], JSON] = {}
    for table, rows in base.items():
        for key, row in rows.items():
            target = truth.target(table, key, row["before"])
            if not comparison.same(table, row["after"], target):
                wrong[(table, key)] = target
    if not wrong:
        return []
    currents = {k: base[k[0]][k[1]]["after"] for k in wrong}
    pool = _pool(env, known, [(currents[k], t) for k, t in wrong.items()])
    need = dict(wrong)
    for sequence in itertools.chain(((c,) for c in pool), itertools.product(pool, repeat=2)):
        if not need:
            break
        fork = box.fork()
        if not _runs(fork, sequence):
            continue
        after = fork.diff()
        for (table, key), target in list(need.items()):
            moved = after.get(table, {}).get(key)
            # a fork's diff omits records back at their pristine value
            value = moved["after"] if moved else base[table][key]["before"]
            if comparison.same(table, value, target):
                del need[(table, key)]
    return sorted(f"{t}/{k}" for t, k in need)


def _runs(box: Sandbox, sequence: Iterable[ToolCall]) -> bool:
    """Every call passes the state-based sound rules (no conversation: any wording can
    be had) and succeeds."""
    for call in sequence:
        if any(v.sound for v in box.policy_violations(call, None)):
            return False
        if not box.call(call).ok:
            return False
    return True


def _pool(
    env: Environment, known: Sequence[ToolCall], wrong: Sequence[tuple[JSON, JSON]]
) -> list[ToolCall]:
    """Distinct write calls to try: ``known`` and each with its argument values moved
    from a wrong record's current value to its target (same field path)."""
    moves: dict[str, Any] = {}
    for current, target in wrong:
        targets = dict(_leaves(target))
        for path, value in _leaves(current):
            wanted = targets.get(path)
            if wanted is not None and wanted != value and _hashable(value):
                moves.setdefault(_key(value), wanted)
    seen: dict[str, ToolCall] = {}
    for call in known:
        if not _is_write(env, call):
            continue
        for candidate in (
            call,
            call.model_copy(update={"arguments": _moved(call.arguments, moves)}),
        ):
            seen.setdefault(repr(sorted(candidate.arguments.items())) + candidate.name, candidate)
    return list(seen.values())[:_POOL_MAX]


def _leaves(value: JSON, path: str = "") -> Iterator[tuple[str, JSON]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}/{i}")
    else:
        yield path, value


def _hashable(value: JSON) -> bool:
    return isinstance(value, str | int | float | bool)


def _key(value: JSON) -> str:
    return f"{type(value).__name__}:{value}"


def _moved(value: Any, moves: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _moved(v, moves) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, moves) for v in value]
    return moves.get(_key(value), value) if _hashable(value) else value
