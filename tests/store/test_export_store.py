"""Exports stream from the database in batches with the run's tools and policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apigen.errors import UnknownNameError
from apigen.export import ExportOptions
from apigen.store import Store, TrajectoryFilter
from apigen.store._export import export_trajectories
from tests.store.conversations import trajectory


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
