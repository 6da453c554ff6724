"""``apigen trajectories collect`` and ``apigen show`` in process, on toy blueprints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigen.blueprints import dump_blueprint
from apigen.cli import app
from apigen.errors import UserError
from apigen.rollout import read_trajectories
from tests.rollout._support import TOY_BLUEPRINTS


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for bp in TOY_BLUEPRINTS:
        dump_blueprint(bp, tmp_path / "bps" / f"{bp.id}.yaml")
    return tmp_path


def test_collect_writes_trajectories_and_prints_the_summary(folder: Path) -> None:
    out = folder / "t.jsonl"
    args = [
        "trajectories",
        "collect",
        "--blueprints",
        str(folder / "bps"),
        "-n",
        "3",
        "--trials",
        "2",
        "--out",
        str(out),
        "--agent",
        "sim/agent?error_rate=0.5",
        "--judges",
        "sim/judge,sim/judge",
        "--seed",
        "1",
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    trajs = list(read_trajectories(out))
    assert summary["blueprints"] == 3 and summary["episodes"] == len(trajs) == 6
    assert summary["accepted"] == sum(t.accepted for t in trajs)
    assert sum(summary["top_rejection_reasons"].values()) == 6 - summary["accepted"]
    assert summary["tokens"] > 0 and summary["out"] == str(out)
    assert {t.blueprint_id for t in trajs} == {bp.id for bp in TOY_BLUEPRINTS[:3]}
    assert any(v.verifier == "committee" for t in trajs for v in t.verdicts)
    refused = CliRunner().invoke(app, args)
    assert isinstance(refused.exception, UserError) and "--force" in str(refused.exception)
    again = CliRunner().invoke(app, [*args, "--force"])
    assert again.exit_code == 0, again.exception
    assert [t.messages for t in read_trajectories(out)] == [t.messages for t in trajs]
    assert json.loads(again.stdout)["accepted"] == summary["accepted"]


def test_collect_text_summary(folder: Path) -> None:
    out = folder / "t.jsonl"
    args = [
        "trajectories",
        "collect",
        "--blueprints",
        str(folder / "bps"),
        "--trials",
        "1",
        "--out",
        str(out),
        "--human",
        "sim/human?stop_early=1",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "accepted 0/4 episodes (0.0%), 0/4 blueprints" in result.stdout
    assert "rejected     4  state" in result.stdout


def test_show_renders_one_trajectory(folder: Path) -> None:
    out = folder / "t.jsonl"
    args = [
        "trajectories",
        "collect",
        "--blueprints",
        str(folder / "bps"),
        "-n",
        "1",
        "--trials",
        "1",
        "--out",
        str(out),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    traj = next(read_trajectories(out))
    assert traj.id is not None
    result = CliRunner().invoke(app, ["show", traj.id[:6], "--file", str(out)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"trajectory {traj.id}" in text and "accepted" in text
    assert (
        "HUMAN" in text
        and "AGENT" in text
        and "→ close_account" in text
        and "← close_account" in text
    )
    for verifier in ("ending", "state", "outputs", "policy"):
        assert verifier in text
    missing = CliRunner().invoke(app, ["show", "nope", "--file", str(out)])
    assert isinstance(missing.exception, UserError)
    assert "no trajectory 'nope'" in str(missing.exception)


def test_bad_config_value_names_the_field(folder: Path) -> None:
    args = ["trajectories", "collect", "--blueprints", str(folder / "bps"), "--trials", "0"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, UserError)
    assert str(result.exception).startswith("trials:")
