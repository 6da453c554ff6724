"""Who failed: each rejected episode labelled agent, human, environment or verifier
where the verdicts can tell (``apigen.rollout._blame``)."""

from __future__ import annotations

import pytest

from apigen.rollout._blame import failed_by
from apigen.types import Verdict, Vote

OK = Verdict(verifier="ending", passed=True)
TRUTH = {"orders": {"o1": {"before": {"status": "pending"}, "after": {"status": "cancelled"}}}}
WRONG = {"orders": {"o1": {"before": {"status": "pending"}, "after": {"status": "returned"}}}}


def _fail(name: str, *reasons: str) -> Verdict:
    return Verdict(verifier=name, passed=False, reasons=reasons)


def _votes(*scores: dict[str, float] | None) -> Verdict:
    votes = tuple(
        Vote(judge=f"j{i}", passed=None, rationale="abstained: no_json")
        if s is None
        else Vote(judge=f"j{i}", passed=all(v >= 0.5 for v in s.values()), scores=s)
        for i, s in enumerate(scores)
    )
    return Verdict(verifier="committee", passed=False, votes=votes)


GOOD = {"policy_adherence": 1.0, "faithfulness": 1.0, "human_realism": 1.0}
UNREAL = {**GOOD, "human_realism": 0.0}
UNFAITHFUL = {**GOOD, "faithfulness": 0.0}


@pytest.mark.parametrize(
    ("ending", "verdicts", "diff", "party"),
    [
        (
            "provider_error:rate_limit",
            [_fail("ending", "provider_error:rate_limit")],
            {},
            "environment",
        ),
        ("max_duration", [_fail("ending", "max_duration")], {}, "environment"),
        ("early_reject:policy", [_fail("ending"), _fail("early_reject", "x")], {}, "agent"),
        ("max_tool_calls", [_fail("ending")], {}, "agent"),
        ("stop", [OK, _fail("policy", "call 3: confirm_before_write: …")], TRUTH, "agent"),
        ("stop", [OK, _fail("outputs", "missing output '38.70'")], TRUTH, "agent"),
        ("stop", [OK, _fail("state", "orders/o1: status")], WRONG, "agent"),
        ("stop", [OK, _fail("state", "orders/o1: should exist")], {}, None),  # only missing
        ("max_turns", [_fail("ending", "max_turns")], {}, None),
        ("stop", [OK, _votes(UNREAL, UNREAL, GOOD)], TRUTH, "human"),
        ("stop", [OK, _votes(UNFAITHFUL, UNREAL, UNFAITHFUL)], TRUTH, "agent"),
        ("stop", [OK, _votes(None, None, None)], TRUTH, "verifier"),
        ("stop", [OK], TRUTH, None),
    ],
)
def test_who_failed(ending: str, verdicts: list[Verdict], diff: dict, party: str | None) -> None:
    found = failed_by(ending, verdicts, diff, TRUTH)
    assert (found[0] if found else None) == party


def test_stats_and_the_report_show_the_user_simulator_failure_rate(tmp_path: object) -> None:
    """Stored ``failed_by`` records become rates next to each other (``apigen stats``,
    the report's cards)."""
    from pathlib import Path

    from apigen.report import render_report
    from apigen.store import Store
    from apigen.types import Message, Trajectory

    def traj(trial: int, party: str | None) -> Trajectory:
        verdicts = (
            [OK] if party is None else [_fail("state", "x"), _fail("failed_by", party, "why")]
        )
        return Trajectory(
            blueprint_id="bp",
            domain="toy",
            trial=trial,
            messages=(Message(role="user", content="hi ###STOP###"),),
            verdicts=tuple(verdicts),
            accepted=party is None,
            ending="stop",
        )

    parties = [None, "agent", "agent", "human", None, "environment", None, None]
    with Store.open(str(Path(str(tmp_path)) / "s.db")) as store:
        run = store.start_run({}, domain="toy").id
        store.write_item(run, 0, trajectories=[traj(i, p) for i, p in enumerate(parties)])
        stats = store.stats(run)
    rates = stats.failure_rates()
    assert rates == {"agent": 2 / 8, "human": 1 / 8, "environment": 1 / 8, "verifier": 0.0}
    assert "verifier: failed_by" not in [f.step for f in stats.funnel]
    html = render_report(stats, source="test")
    assert "user-simulator failures<b>12.5%</b>" in html and "agent failures<b>25.0%</b>" in html
