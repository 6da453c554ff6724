"""Retail context sampler (property test over write combinations) and curated blueprints."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from apigen.blueprints import check_format, load_blueprint, validate_files, validate_offline
from apigen.env import Environment, TaskSketch, replay_with_policy
from apigen.types import Blueprint, ToolCall

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints" / "retail"


def _writes(env: Environment) -> list[str]:
    return [t.name for t in env.domain.tools if t.kind == "write"]


def _actions(sketch: TaskSketch) -> list[ToolCall]:
    return [*sketch.auth, *(c for step in sketch.steps for c in (*step.reads, step.call))]


def _combinations(writes: list[str], rng: random.Random) -> list[list[str]]:
    """Every single write, every ordered pair, and random triples."""
    combos = [[w] for w in writes] + [list(p) for p in itertools.product(writes, repeat=2)]
    combos += [[rng.choice(writes) for _ in range(3)] for _ in range(250)]
    return combos


def test_sampled_tasks_replay_without_errors_or_violations(env: Environment) -> None:
    rng = random.Random(7)
    sampled, seen = 0, set()
    for writes in _combinations(_writes(env), rng):
        sketch = env.domain.sample_task(env.db, rng, writes)
        if "transfer_to_human_agents" in writes[:-1]:
            assert sketch is None, "a transfer must end the task"
            continue
        assert sketch is not None, writes
        assert [s.call.name for s in sketch.steps] == writes
        replay = replay_with_policy(env, _actions(sketch))
        assert not replay.errors, (writes, replay.errors)
        assert not replay.violations, (writes, replay.violations)
        assert not replay.unchanged_writes, (writes, replay.unchanged_writes)
        sampled += 1
        seen.update(writes)
    assert sampled >= 200
    assert seen == set(_writes(env))


def test_sketches_carry_what_the_human_needs(env: Environment) -> None:
    rng = random.Random(11)
    for writes in [
        ["exchange_delivered_order_items"],
        ["return_delivered_order_items", "cancel_pending_order"],
        ["modify_pending_order_items", "modify_pending_order_payment", "modify_user_address"],
    ]:
        sketch = env.domain.sample_task(env.db, rng, writes)
        assert sketch is not None
        assert "email" in sketch.identity or "zip" in sketch.identity
        user = env.db.users[sketch.user]
        for step in sketch.steps:
            order_id = step.call.arguments.get("order_id")
            if order_id is not None:
                assert order_id in step.intent and step.facts["order_id"] == order_id
                assert env.db.orders[order_id]["user_id"] == sketch.user
            for iid in [
                *step.call.arguments.get("item_ids", []),
                *step.call.arguments.get("new_item_ids", []),
            ]:
                assert iid not in step.intent, "customers name items, not item ids"
            assert not any(pm in step.intent for pm in user["payment_method_ids"])
        returns = [s for s in sketch.steps if s.call.name == "return_delivered_order_items"]
        for step in returns:
            order = env.db.orders[step.call.arguments["order_id"]]
            refund = sum(
                i["price"]
                for i in order["items"]
                if i["item_id"] in step.call.arguments["item_ids"]
            )
            assert step.outputs == (f"${refund:,.2f}",)


def test_sampling_is_deterministic_and_refuses_the_impossible(env: Environment) -> None:
    writes = ["return_delivered_order_items", "modify_pending_order_address"]
    first = env.domain.sample_task(env.db, random.Random(3), writes)
    again = env.domain.sample_task(env.db, random.Random(3), writes)
    assert first is not None and again is not None and _actions(first) == _actions(again)
    assert env.domain.sample_task(env.db, random.Random(3), ["no_such_tool"]) is None
    assert env.domain.sample_task(env.db, random.Random(3), []) is None
    nine_returns = ["return_delivered_order_items"] * 9
    assert env.domain.sample_task(env.db, random.Random(3), nine_returns) is None


def test_sampling_works_at_scale_10() -> None:
    from environments.retail import DOMAIN

    big = DOMAIN.load(seed=0, scale=10)
    rng = random.Random(5)
    for writes in (
        ["cancel_pending_order", "exchange_delivered_order_items"],
        ["modify_user_address"],
    ):
        sketch = big.domain.sample_task(big.db, rng, writes)
        assert sketch is not None
        replay = replay_with_policy(big, _actions(sketch))
        assert not replay.errors and not replay.violations


# -- curated blueprints -------------------------------------------------------------------


def test_curated_blueprints_all_validate() -> None:
    reports = validate_files([BLUEPRINTS])
    assert len(reports) >= 25
    failed = {r.path: r.failure for r in reports if not r.passed}
    assert not failed
    blueprints = [load_blueprint(p) for p in sorted(BLUEPRINTS.glob("*.yaml"))]
    assert len({bp.id for bp in blueprints}) == len(blueprints)
    from environments.retail import DOMAIN

    writes = {t.name for t in DOMAIN.tools if t.kind == "write"}
    used = [{a.name for a in bp.actions} & writes for bp in blueprints]
    assert set().union(*used) == writes, "every write tool is covered"
    assert sum(len([a for a in bp.actions if a.name in writes]) >= 2 for bp in blueprints) >= 5
    assert sum(bool(bp.outputs) for bp in blueprints) >= 5
    for bp in blueprints:
        assert bp.instruction.startswith("You are ")
        assert BLUEPRINTS.joinpath(
            f"{bp.id.removeprefix('retail-').replace('-', '_')}.yaml"
        ).exists()


def _blueprint(actions: list[ToolCall]) -> Blueprint:
    return Blueprint(domain="retail", instruction="You are someone.", actions=tuple(actions))


@pytest.fixture(scope="module")
def delivered(env: Environment) -> tuple[ToolCall, str]:
    order = next(o for o in env.db.orders.values() if o["status"] == "delivered")
    auth = ToolCall(
        name="find_user_id_by_email", arguments={"email": env.db.users[order["user_id"]]["email"]}
    )
    return auth, order["order_id"]


def test_unknown_tool_fails_the_format_stage(
    env: Environment, delivered: tuple[ToolCall, str]
) -> None:
    auth, order_id = delivered
    bp = _blueprint([auth, ToolCall(name="refund_everything", arguments={"order_id": order_id})])
    stages, replay = validate_offline(bp, env)
    assert [s.stage for s in stages] == ["format"] and replay is None
    assert "unknown tool 'refund_everything'" in stages[0].reasons[-1]


def test_bad_argument_type_fails_the_format_stage(
    env: Environment, delivered: tuple[ToolCall, str]
) -> None:
    auth, order_id = delivered
    bad = ToolCall(
        name="return_delivered_order_items",
        arguments={"order_id": order_id, "item_ids": "all", "payment_method_id": 5},
    )
    outcome = check_format(_blueprint([auth, bad]), env)
    assert (
        not outcome.passed
        and "item_ids" in outcome.reasons[0]
        and "payment_method_id" in outcome.reasons[0]
    )


def test_cancelling_a_delivered_order_fails_the_policy_stage(
    env: Environment, delivered: tuple[ToolCall, str]
) -> None:
    auth, order_id = delivered
    cancel = ToolCall(
        name="cancel_pending_order", arguments={"order_id": order_id, "reason": "no longer needed"}
    )
    stages, _ = validate_offline(_blueprint([auth, cancel]), env)
    assert [(s.stage, s.passed) for s in stages] == [
        ("format", True),
        ("execution", True),
        ("policy", False),
    ]
    assert stages[-1].reasons[0].startswith("actions[1] pending_only:")
