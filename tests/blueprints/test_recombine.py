"""Recombination with the sim models: accepted tasks of one user merged into a longer,
validated task."""

from __future__ import annotations

import pytest

from apigen.blueprints import (
    DEFAULT_STAGES,
    AttemptSpec,
    group_by_user,
    recombination_groups,
    recombine,
    recompute_outputs,
    run_attempt,
)
from apigen.env import Environment
from apigen.llm import LLMClient
from apigen.types import Blueprint, ToolCall


async def test_recombination_builds_a_longer_validated_task(
    toy_env: Environment, client: LLMClient
) -> None:
    accepted = []
    for index in range(40):
        attempt = await run_attempt(
            AttemptSpec(domain="toy", index=index), env=toy_env, client=client
        )
        if attempt.accepted and attempt.blueprint is not None:
            accepted.append(attempt.blueprint)
    groups = [g for g in group_by_user(accepted).values() if len(g) >= 2]
    assert groups, "40 attempts over 20 users give some user two blueprints"
    parts = groups[0][:2]
    merged = await recombine(parts, env=toy_env, client=client, index=99)
    assert merged.accepted, merged.report
    assert [s.stage for s in merged.report.stages] == list(DEFAULT_STAGES)
    bp = merged.blueprint
    assert bp is not None
    assert len(bp.actions) > max(len(p.actions) for p in parts)
    assert [a.name for a in bp.actions].count("find_user") == 1  # authentication once
    writes = [a for p in parts for a in p.actions if a.name in ("deposit", "close_account")]
    assert [a for a in bp.actions if a.name in ("deposit", "close_account")] == writes
    assert bp.instruction not in {p.instruction for p in parts}
    assert bp.context["recombined_from"] == [p.fingerprint() for p in parts]
    assert bp.context["user"] == parts[0].context["user"]
    assert len(bp.context["task"]["steps"]) == sum(len(p.context["task"]["steps"]) for p in parts)
    assert merged.spec.parts == tuple(bp.context["recombined_from"])
    other = next(b for b in accepted if b.context["user"] != parts[0].context["user"])
    with pytest.raises(ValueError, match="share domain and user"):
        await recombine([parts[0], other], env=toy_env, client=client)


def _deposit(env: Environment, amount: int, said: str) -> Blueprint:
    return Blueprint(
        domain="toy",
        instruction=f"Deposit {amount} dollars into a0_0 and tell me the new balance.",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
            ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": amount}),
        ),
        outputs=(said,),
    )


def test_outputs_are_recomputed_from_the_combined_replay(toy_env: Environment) -> None:
    start = toy_env.sandbox().call(ToolCall(name="get_account", arguments={"account_id": "a0_0"}))
    balance = start.output["balance"]  # type: ignore[index]
    parts = [_deposit(toy_env, 10, f"${balance + 10}"), _deposit(toy_env, 5, f"{balance + 5}")]
    actions = [*parts[0].actions, parts[1].actions[1]]  # authentication once
    trace = toy_env.sandbox().replay(actions)
    outputs = recompute_outputs(toy_env, parts, trace, [[0, 1], [0, 2]])
    # The second deposit now lands on the first one's balance; the first is unchanged.
    assert outputs == (f"${balance + 10}", f"{balance + 15}")


def test_groups_are_drawn_at_the_configured_rate(toy_env: Environment) -> None:
    users = [f"u{i}" for i in range(40)]
    accepted = [
        Blueprint(
            domain="toy",
            instruction=f"Task {k} of {u}.",
            actions=(ToolCall(name="find_user", arguments={"email": f"{u}{k}"}),),
            context={"user": u, "task": {}},
        )
        for u in users
        for k in range(2)
    ]
    assert len(recombination_groups(accepted)) == 40
    some = recombination_groups(accepted, rate=0.5, seed=1)
    assert 8 < len(some) < 32 and some == recombination_groups(accepted, rate=0.5, seed=1)
    assert recombination_groups(accepted, rate=0.0) == []
