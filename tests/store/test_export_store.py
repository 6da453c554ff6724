"""Exports stream from the database in batches with the run's tools and policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apigen.errors import UnknownNameError
from apigen.export import ExportOptions
from apigen.store import Store, TrajectoryFilter
from apigen.store._export import export_trajectories
from tests.store.conversations import blueprint, trajectory


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_streams_in_batches_with_filters(store: Store, tmp_path: Path) -> None:
    store.start_run({}, domain="toy", run_id="r1")
    for i in range(7):
        store.write_item("r1", i, trajectories=[trajectory(turns=i), trajectory(accepted=False)])
    out = tmp_path / "o.jsonl"
    where = TrajectoryFilter(min_turns=2, limit=4)
    res = export_trajectories(store.engine, where, ExportOptions(format="openai", out=out), batch=3)
    assert res.written == 4 and res.skipped == 0
    rows = lines(out)
    assert rows[0]["messages"][0]["content"].startswith("# Bank policy")
    assert rows[0]["tools"][0]["function"]["name"] == "find_user"
    everything = store.export(
        TrajectoryFilter(accepted_only=False), ExportOptions(format="openai", out=out, force=True)
    )
    assert everything.written == 14


def test_run_snapshot_wins_over_the_registry(store: Store, tmp_path: Path) -> None:
    tools = [{"type": "function", "function": {"name": "legacy_tool", "parameters": {}}}]
    store.start_run({}, domain="toy", run_id="old", tools=tools, policy="Old policy.")
    msgs = trajectory().messages[1:]  # without its system message: the run's policy is used
    store.write_item("old", 0, trajectories=[trajectory().model_copy(update={"messages": msgs})])
    out = tmp_path / "s.json"
    store.export(TrajectoryFilter(), ExportOptions(format="sharegpt", out=out))
    [row] = json.loads(out.read_text())
    assert row["system"] == "Old policy."
    assert [t["name"] for t in json.loads(row["tools"])] == ["legacy_tool"]


def test_unknown_domain_without_snapshot(store: Store, tmp_path: Path) -> None:
    store.start_run({}, domain="gone", run_id="r1")  # not registered: no snapshot
    store.write_item("r1", 0, trajectories=[trajectory().model_copy(update={"domain": "gone"})])
    with pytest.raises(UnknownNameError, match="unknown domain 'gone'"):
        store.export(TrajectoryFilter(), ExportOptions(format="openai", out=tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_provenance_and_blueprint_groups(store: Store, tmp_path: Path) -> None:
    config = {"models": {"agent": {"models": ["sim/agent"]}, "judge": {"models": ["sim/judge"]}}}
    store.start_run(config, domain="toy", run_id="r1", seed=7)
    for i in range(6):  # 6 blueprints, 3 trials each
        trials = [trajectory(key=f"bp-{i}", trial=k, votes=(True, True, k != 1)) for k in range(3)]
        store.write_item("r1", i, blueprints=[blueprint(f"bp-{i}")], trajectories=trials)
    out = tmp_path / "o.jsonl"
    opts = ExportOptions(format="openai", out=out, provenance=True, split=0.5, seed=2)
    res = store.export(TrajectoryFilter(run_id="r1"), opts)
    assert res.written == 18
    sides = {}
    for f in res.files:
        for row in lines(f.path):
            p = row["provenance"]
            assert sides.setdefault(p["blueprint"], f.path) == f.path  # one side per blueprint
    assert len(set(sides.values())) == 2
    p = lines(res.files[0].path)[0]["provenance"]
    assert (p["run"], p["seed"], p["models"]) == ("r1", 7, config_models(config))
    assert p["blueprint_stages_passed"] == ["format", "execution", "policy", "review"]
    assert [v["verifier"] for v in p["verdicts"]] == ["state", "committee"]
    assert p["judge_agreement"] in {1.0, round(2 / 3, 4)}
    plain = store.export(
        TrajectoryFilter(run_id="r1", limit=1),
        ExportOptions(format="openai", out=tmp_path / "plain.jsonl"),
    )
    assert "provenance" not in lines(plain.files[0].path)[0]


def config_models(config: dict[str, Any]) -> dict[str, list[str]]:
    return {role: entry["models"] for role, entry in config["models"].items()}


def test_unknown_run_is_a_user_error(store: Store, tmp_path: Path) -> None:
    from apigen.errors import ConfigError

    with pytest.raises(ConfigError, match="--run: no run 'nope'"):
        store.export(
            TrajectoryFilter(run_id="nope"), ExportOptions(format="openai", out=tmp_path / "x")
        )
