"""Runs, one-transaction item writes (idempotent by run and item), reading back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from apigen.errors import ConfigError
from apigen.store import ItemResult, RoleUsage, Store, TrajectoryFilter
from apigen.store._models import BLUEPRINTS, TRAJECTORIES, VERDICTS
from apigen.types import Usage
from tests.store.conversations import blueprint, trajectory

TABLES = (
    "items",
    "blueprints",
    "blueprint_stages",
    "trajectories",
    "trajectory_tools",
    "trajectory_usage",
    "verdicts",
    "llm_usage",
)


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_run_lifecycle(store: Store) -> None:
    run = store.start_run({"model": "sim/agent"}, domain="toy", seed=7, planned_items=3)
    assert (run.status, run.seed, run.planned_items, run.items_done) == ("running", 7, 3, 0)
    assert run.code_version.startswith("0.1.0")
    assert store.missing_items(run.id) == [0, 1, 2]
    store.write_item(run.id, 1, trajectories=[trajectory()])
    store.write_item(run.id, 2, status="failed", error="provider down")
    assert store.missing_items(run.id) == [0, 2]  # failed items are redone on resume
    assert store.finish_run(run.id, "interrupted").status == "interrupted"
    resumed = store.resume_run(run.id)
    assert (resumed.status, resumed.ended_at) == ("running", None)
    done = store.finish_run(run.id)
    assert done.status == "completed" and done.ended_at is not None
    assert (done.items_done, done.items_failed, done.trajectories, done.accepted) == (1, 1, 1, 1)
    with pytest.raises(ConfigError, match="no run 'nope'"):
        store.get_run("nope")


def test_run_snapshots_domain_tools_and_policy(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    with store.engine.connect() as conn:
        tools, policy = conn.execute(text("SELECT tools, policy FROM runs")).one()
    tools = json.loads(tools) if isinstance(tools, str) else tools  # JSON text on SQLite
    names = [t["function"]["name"] for t in tools]
    assert names == ["find_user", "get_user", "get_account", "deposit", "close_account"]
    assert policy.startswith("# Bank policy") and run.domain == "toy"


def test_item_round_trip(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    bps = [blueprint(failed="policy", reason="confirm_writes: no confirmation"), blueprint(round=1)]
    trajs = [trajectory(reasoning="think first"), trajectory(accepted=False, trial=1)]
    usage = {"generator": Usage(calls=2, prompt_tokens=10, completion_tokens=5, cost_usd=0.1)}
    store.write_item(run.id, 0, blueprints=bps, trajectories=trajs, usage=usage)
    back = list(store.trajectories())
    assert [t.id for t in back] == [f"{run.id}:0:t0", f"{run.id}:0:t1"]
    for got, want in zip(back, trajs, strict=True):
        assert got.model_copy(update={"id": None}) == want
    assert store.blueprints(run.id) == bps
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                BLUEPRINTS.c.id,
                BLUEPRINTS.c.accepted,
                BLUEPRINTS.c.failed_stage,
                BLUEPRINTS.c.round_accepted,
            ).order_by(BLUEPRINTS.c.id)
        ).all()
        linked = conn.execute(select(TRAJECTORIES.c.blueprint_id)).scalars().all()
    assert rows == [(f"{run.id}:0:b0", False, "policy", None), (f"{run.id}:0:b1", True, None, 1)]
    assert linked == [f"{run.id}:0:b0"] * 2  # first blueprint stored under that key


def test_second_write_of_an_item_replaces_it(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    first = dict(
        blueprints=[blueprint()],
        trajectories=[trajectory(), trajectory(trial=1)],
        usage=[RoleUsage(role="agent", model="m", usage=Usage(calls=1))],
    )
    store.write_item(run.id, 0, **first)
    store.write_item(run.id, 1, **first)
    once = counts(store)
    store.write_item(run.id, 0, **first)  # a retried item: same rows, not twice as many
    assert counts(store) == once
    store.write_item(run.id, 0, trajectories=[trajectory(accepted=False)])  # replaced outright
    after = counts(store)
    assert after["trajectories"] == 3 and after["blueprints"] == 1 and after["items"] == 2
    assert store.get_run(run.id).accepted == 2


def test_batch_is_one_transaction(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    good = ItemResult(run_id=run.id, item_index=0, trajectories=(trajectory(),))
    orphan = ItemResult(run_id="no-such-run", item_index=0, trajectories=(trajectory(),))
    with pytest.raises(ConfigError, match="no run 'no-such-run'"):
        store.write_items([good, orphan])
    assert counts(store)["trajectories"] == 0 and counts(store)["items"] == 0
    store.write_items([good, good.model_copy(update={"item_index": 1})])
    assert counts(store)["items"] == 2


def test_duplicate_blueprints_point_at_the_accepted_one(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    store.write_item(run.id, 0, blueprints=[blueprint("a")])
    dup = blueprint("b")
    report = dup.report.model_copy(
        update={
            "stages": (
                *dup.report.stages[:3],
                dup.report.stages[0].model_copy(
                    update={"stage": "dedup", "passed": False, "reasons": ("same actions as a",)}
                ),
            )
        }
    )
    store.write_item(run.id, 1, blueprints=[dup.model_copy(update={"report": report})])
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(BLUEPRINTS.c.key, BLUEPRINTS.c.duplicate_of)).all())
    assert rows == {"a": None, "b": f"{run.id}:0:b0"}


def test_filters_select_in_sql(store: Store) -> None:
    run = store.start_run({}, domain="toy", run_id="r1")
    other = store.start_run({}, domain="toy", run_id="r2")
    store.write_item(
        run.id,
        0,
        trajectories=[
            trajectory(turns=2, votes=(True, True, True)),
            trajectory(turns=5, votes=(True, True, False), calls=[("get_user", {"user_id": "u1"})]),
            trajectory(turns=3, accepted=False),
        ],
    )
    store.write_item(other.id, 0, trajectories=[trajectory(turns=9)])

    def ids(**kw: object) -> list[str]:
        return [t.id or "" for t in store.trajectories(TrajectoryFilter(**kw))]

    assert len(ids()) == 3
    assert len(ids(accepted_only=False)) == 4
    assert ids(run_id=run.id, min_turns=3) == [f"{run.id}:0:t1"]
    assert ids(max_turns=2) == [f"{run.id}:0:t0"]
    assert ids(tool="get_user") == [f"{run.id}:0:t1"]
    assert ids(min_judge_agreement=0.9) == [f"{run.id}:0:t0", f"{other.id}:0:t0"]
    assert len(ids(limit=2)) == 2 and ids(domain="other") == []


def test_verdicts_and_usage_rows(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    store.write_item(run.id, 0, trajectories=[trajectory(votes=(True, False, True))])
    with store.engine.connect() as conn:
        v = conn.execute(
            select(VERDICTS.c.verifier, VERDICTS.c.passed).order_by(VERDICTS.c.position)
        ).all()
        row = conn.execute(
            select(
                TRAJECTORIES.c.votes_total,
                TRAJECTORIES.c.votes_passed,
                TRAJECTORIES.c.cost_usd,
                TRAJECTORIES.c.tool_names,
            )
        ).one()
        tools = conn.execute(text("SELECT tool, calls FROM trajectory_tools ORDER BY tool")).all()
        per_role = conn.execute(text("SELECT count(*) FROM trajectory_usage")).scalar()
        total = conn.execute(select(func.sum(TRAJECTORIES.c.prompt_tokens))).scalar()
    assert v == [("state", True), ("committee", True)]
    assert row.votes_total == 3 and row.votes_passed == 2 and row.cost_usd == pytest.approx(0.02)
    assert list(row.tool_names) == ["deposit", "find_user"]
    assert [tuple(t) for t in tools] == [("deposit", 1), ("find_user", 1)]
    assert per_role == 2 and total == 1500


def test_blueprints_read_back_in_written_order(store: Store) -> None:
    run = store.start_run({}, domain="toy")
    bps = [blueprint(f"k{i}", amount=i + 1) for i in range(12)]
    store.write_item(run.id, 0, blueprints=bps)
    assert store.blueprints(run.id, 0) == bps


def test_failure_mid_batch_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from apigen.store import _store

    run = store.start_run({}, domain="toy")
    store.write_item(run.id, 0, trajectories=[trajectory()])
    before = counts(store)
    real = _store.bulk_insert

    def failing(conn: object, table: object, rows: list[dict[str, object]]) -> None:
        if getattr(table, "name", "") == "verdicts":
            raise RuntimeError("connection lost")
        real(conn, table, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(_store, "bulk_insert", failing)
    items = [
        ItemResult(run_id=run.id, item_index=k, trajectories=(trajectory(trial=1),))
        for k in range(3)
    ]  # item 0 is a rewrite: its old rows must survive the failure
    with pytest.raises(RuntimeError, match="connection lost"):
        store.write_items(items)
    assert counts(store) == before
    assert [t.trial for t in store.trajectories()] == [0]
