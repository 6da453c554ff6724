"""Stats from SQL aggregates on a dataset whose numbers are known."""

from __future__ import annotations

import pytest

from apigen.store import Store
from apigen.types import Usage
from tests.store.conversations import blueprint, trajectory

DEPOSIT = ("deposit", {"account_id": "a1_0", "amount": 5})
FIND = ("find_user", {"email": "user1@example.com"})


def fill(store: Store) -> str:
    run = store.start_run({}, domain="toy", run_id="r1", planned_items=4)
    gen = {"generator": Usage(calls=1, prompt_tokens=100, completion_tokens=10, cost_usd=0.03)}
    store.write_item(
        "r1",
        0,
        blueprints=[blueprint("b0")],
        trajectories=[trajectory(key="b0", calls=[FIND, DEPOSIT], turns=2)],
        usage=gen,
    )
    store.write_item(
        "r1",
        1,
        blueprints=[
            blueprint("b1", failed="policy", reason="confirm_writes: no confirmation"),
            blueprint("b1", round=1),
        ],
        trajectories=[
            trajectory(
                key="b1",
                accepted=False,
                ending="max_turns",
                turns=4,
                votes=(True, False, False),
                calls=[FIND],
            )
        ],
        usage=gen,
    )
    store.write_item(
        "r1",
        2,
        blueprints=[blueprint("b2", failed="execution", reason="account not found")],
        usage=gen,
    )
    store.write_item("r1", 3, status="failed", error="provider down")
    other = store.start_run({}, domain="toy", run_id="r2")
    store.write_item(other.id, 0, trajectories=[trajectory(turns=7)])
    return run.id


def test_funnel_reasons_tools_and_cost(store: Store) -> None:
    fill(store)
    s = store.stats("r1")
    funnel = {f.step: (f.entered, f.passed) for f in s.funnel}
    assert funnel == {
        "contexts sampled (work items)": (4, 3),
        "blueprint drafts": (4, 2),
        "stage: format": (4, 4),
        "stage: execution": (4, 3),
        "stage: policy": (3, 2),
        "stage: review": (2, 2),
        "episodes": (2, 1),
        "verifier: committee": (2, 1),
        "verifier: state": (2, 1),
    }
    assert [
        (g.stage, g.failed, [(c.label, c.count) for c in g.reasons]) for g in s.blueprint_rejections
    ] == [
        ("execution", 1, [("account not found", 1)]),
        ("policy", 1, [("confirm_writes: no confirmation", 1)]),
    ]
    assert {g.stage: g.reasons[0].label for g in s.verdict_rejections} == {
        "committee": "majority rejected",
        "state": "final state differs",
    }
    assert [(e.label, e.count) for e in s.endings] == [("max_turns", 1)]
    assert [(t.tool, t.trajectories, t.calls, t.accepted_trajectories) for t in s.tools] == [
        ("find_user", 2, 2, 1),
        ("deposit", 1, 1, 1),
    ]
    assert s.tools_unused == ("close_account", "get_account", "get_user")
    assert [(b.value, b.count, b.accepted) for b in s.turns] == [(2, 1, 1), (4, 1, 0)]
    assert [(b.value, b.count) for b in s.tool_calls] == [(1, 1), (2, 1)]
    gen = next(r for r in s.roles if r.role == "generator")
    assert (gen.calls, gen.cost_usd, gen.cost_per_accepted) == (
        3,
        pytest.approx(0.09),
        pytest.approx(0.09),
    )
    assert s.accepted == 1 and s.cost_per_accepted == pytest.approx(0.09)


def test_example_ids_yield_and_judge_agreement(store: Store) -> None:
    fill(store)
    s = store.stats("r1")
    policy = next(g for g in s.blueprint_rejections if g.stage == "policy")
    assert policy.reasons[0].examples == ("r1:1:b0",)  # the draft that failed, to `apigen show`
    committee = next(g for g in s.verdict_rejections if g.stage == "committee")
    assert committee.reasons[0].examples == ("r1:1:t0",)
    assert s.endings[0].examples == ("r1:1:t0",)
    # b0: 1 accepted trial, b1: 0; item 2's blueprint never reached episodes
    assert [(b.value, b.count, b.accepted) for b in s.blueprint_yield] == [(0, 1, 0), (1, 1, 1)]
    assert s.judge_agreement == pytest.approx(round(4 / 6, 4))  # 3/3 and 1/3 votes passed


def test_whole_database_and_fallback_to_episode_usage(store: Store) -> None:
    fill(store)
    everything = store.stats()
    assert everything.accepted == 2
    assert dict((f.step, f.entered) for f in everything.funnel)["episodes"] == 3
    r2 = store.stats("r2")  # no llm_usage rows: per-role cost comes from the episodes
    assert {r.role: r.cost_usd for r in r2.roles} == {"agent": 0.01, "human": 0.01}
    assert r2.cost_per_accepted == pytest.approx(0.02)


def test_empty_database(store: Store) -> None:
    s = store.stats()
    assert s.accepted == 0 and s.cost_per_accepted is None and s.tools == ()
    assert all(f.entered == 0 for f in s.funnel)


def test_diversity_of_accepted_blueprints(store: Store) -> None:
    fill(store)
    d = store.stats("r1").diversity
    assert d is not None and d.blueprints == 2  # b0 and b1's accepted round
    assert d.distinct_write_sequences == 1  # both deposit once
    assert (d.tools_used, d.tools_offered) == (1, 5) and d.tool_coverage == 0.2
    assert d.near_duplicate_instructions == 1  # the same wording twice
    assert d.instruction_distinct_2 == 0.5
    assert store.stats("r2").diversity is None  # nothing accepted in r2
