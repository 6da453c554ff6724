"""``apigen bench run --quick --json`` runs end to end and reports every promised key.

No timing assertions: the numbers are read by people, not by tests. The quick mode
still starts a handful of Ray worker actors (each imports litellm), hence ``slow``.
Ray comes from :func:`apigen.runner.ray_session` (a session's Ray is reused).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from apigen.cli import app

LEVEL_KEYS = {
    "calls_per_s": float,
    "ideal_calls_per_s": float,
    "efficiency": float,
    "cpu_bound_calls_per_s": float,
    "efficiency_vs_goal": float,
    "episodes_per_s": float,
    "ideal_episodes_per_s": float,
    "episode_calls_per_s": float,
    "calls_per_episode": float,
}


@pytest.mark.slow
def test_bench_run_quick_json_shape() -> None:
    result = CliRunner().invoke(app, ["bench", "run", "--quick", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # Ray writes notices to stderr

    latency = data["latency_hiding"]
    assert latency["cpu_s_per_call"] > 0 and latency["cpu_s_per_episode"] > 0
    assert latency["cpu_bound_calls_per_s"] == pytest.approx(2 / latency["cpu_s_per_call"], 0.01)
    assert set(latency["levels"]) == {"1", "4"}
    for level, row in latency["levels"].items():
        for key, kind in LEVEL_KEYS.items():
            assert isinstance(row[key], int | kind), (level, key)
        assert row["ideal_calls_per_s"] == pytest.approx(int(level) / latency["latency_s"])
        assert row["calls_per_s"] > 0 and row["episodes_per_s"] > 0
        assert row["efficiency"] == pytest.approx(
            row["calls_per_s"] / row["ideal_calls_per_s"], abs=0.01
        )
        assert row["episodes"]["accepted"] == row["episodes"]["items"]  # clean sim agent
    assert latency["levels"]["1"]["workers"] == 1 and latency["levels"]["4"]["workers"] == 2

    run = data["scaling_run"]
    assert data["scaling"] == pytest.approx(
        run["two_workers_episodes_per_s"] / run["one_worker_episodes_per_s"], 0.01
    )
    assert [len(run["runs"][w]) for w in ("1", "2")] == [1, 1]
    assert run["one_worker_episodes_per_s"] == run["runs"]["1"][0]["episodes_per_s"]

    limited = data["rate_limit_run"]
    # The quick window is 1.5 s: on a loaded machine it may see no growth, so only the
    # shape and that the server served requests are asserted (the goal is read, not tested).
    assert isinstance(data["saturation"], float) and data["saturation"] >= 0
    assert limited["served"] > 0
    assert 0 <= data["rate_limited_share"] <= 1
    assert limited["served"] > 0 and limited["rpm"] == 1200
    assert data["rate_limited_share"] == pytest.approx(
        limited["rejected"] / (limited["served"] + limited["rejected"]), abs=1e-4
    )
    assert limited["broker"]["leased"] >= limited["served"]  # every request passed the broker
    assert set(data["goals"]) == {
        "efficiency_vs_goal_min",
        "scaling_min",
        "saturation_min",
        "rate_limited_share_max",
    }
