"""`apigen blueprints generate` and `apigen bench phase1` with the sim models."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigen.bench import bench_phase1
from apigen.cli import app
from apigen.errors import ConfigError, UnknownNameError


def test_generate_prints_the_funnel_and_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["blueprints", "generate", "--domain", "toy", "-n", "8", "--out", str(out),
            "--model", "generator=sim/generator?policy_breach=1", "--rounds", "1",
            "--model", "reviewer=sim/reviewer,sim/reviewer?disagree=0.1,sim/reviewer"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "attempted  8" in result.output
    assert "failed at policy     0" in result.output
    assert "accepted at  round 1: " in result.output
    assert "stage failures over all rounds: policy 8" in result.output
    assert "items 8/8  accepted" in result.output  # plain progress lines off a TTY
    check = CliRunner().invoke(app, ["blueprints", "validate", str(out)])
    assert check.exit_code == 0, check.output
    assert (out / "rejected.jsonl").is_file()


def test_generate_rejects_bad_input_by_name(tmp_path: Path) -> None:
    unknown = CliRunner().invoke(app, ["blueprints", "generate", "--domain", "nope", "-n", "1"])
    assert isinstance(unknown.exception, UnknownNameError)
    missing = tmp_path / "missing"
    bad = CliRunner().invoke(
        app, ["blueprints", "generate", "--domain", "toy", "--templates-dir", str(missing)]
    )
    assert isinstance(bad.exception, ConfigError) and "templates_dir" in str(bad.exception)
    usage = CliRunner().invoke(app, ["blueprints", "generate", "--domain", "toy", "--rounds", "-1"])
    assert usage.exit_code == 2


def test_bench_phase1_reports_both_settings() -> None:
    result = bench_phase1(n=12, domain="toy", noise=0.15, rounds=2)
    assert set(result["settings"]) == {"K=0", "K=2"}
    k0, k2 = result["settings"]["K=0"], result["settings"]["K=2"]
    assert set(k0["yield_by_round"]) <= {"round 0"} and k2["yield"] >= k0["yield"]
    assert k2["yield_by_round"][f"round {len(k2['yield_by_round']) - 1}"] == k2["yield"]
    assert sum(k2["rejection_share_by_stage"].values()) == pytest.approx(1 - k2["yield"], abs=1e-3)
    assert 0 < k2["tool_coverage"] <= 1 and k2["distinct_write_sequences_per_100"] > 0
    assert k2["tokens_per_accepted"] > 0 and k2["null_solution_rejections"] >= 0
    assert k2["model_calls"]["generator"] > k0["model_calls"]["generator"] == 12
    assert result["generator"].startswith("sim/generator?unknown_tool=0.15&")
    json_run = CliRunner().invoke(app, ["bench", "phase1", "--domain", "toy", "-n", "4", "--json"])
    assert json_run.exit_code == 0 and '"K=3"' in json_run.output
    composed = CliRunner().invoke(
        app, ["bench", "phase1", "--domain", "toy", "-n", "4", "--grounding", "compose", "--json"]
    )
    assert composed.exit_code == 0 and '"grounding": "compose"' in composed.output
    bad = CliRunner().invoke(app, ["bench", "phase1", "--domain", "toy", "--grounding", "x"])
    assert bad.exit_code == 2
