"""`apigen run` end to end on a real local Ray and SQLite: the reliability contract."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import ray

from apigen.runner import RunSummary
from apigen.runner import run as run_pipeline
from apigen.settings import load_settings
from apigen.store import Store

pytestmark = pytest.mark.usefixtures("ray_local")
ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, name: str = "a", **flags: Any) -> Any:
    base = {
        "domain": "retail",
        "n": 8,
        "seed": 11,
        "workers": 2,
        "concurrency": 4,
        "database_url": f"sqlite:///{tmp_path / name}.db",
        "batch_size": 4,
        "flush_s": 0.2,
    }
    return load_settings(flags={**base, **flags}, env={})


def outcome(url: str, run_id: str) -> dict[str, Any]:
    """What a run produced, independent of ids and timing."""
    with Store.open(url) as store:
        items = [store.read_item(run_id, i) for i in range(store.get_run(run_id).planned_items)]
    return {
        i.item_index: (
            i.status,
            [b.fingerprint() for b in i.blueprints],
            sorted((t.trial, t.accepted, len(t.messages), t.ending) for t in i.trajectories),
        )
        for i in items
    }


def test_run_writes_every_item_once(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    summary = run_pipeline(cfg, progress=False)
    assert isinstance(summary, RunSummary)
    assert summary.status == "completed" and summary.done == 8 and summary.failed == 0
    assert summary.accepted_trajectories > 0 and summary.tokens > 0
    with Store.open(cfg.database_url) as store:
        info = store.get_run(summary.run_id)
        assert info.status == "completed" and info.items_done == 8
        assert store.missing_items(summary.run_id) == []
        stored = list(store.trajectories())
        assert sum(t.accepted for t in stored) == summary.accepted_trajectories
        keys = Counter((t.blueprint_id, t.trial) for t in stored)
        assert max(keys.values()) == 1  # no trajectory written twice
        verifiers = {v.verifier for t in stored for v in t.verdicts}
        assert {"state", "outputs", "committee"} <= verifiers  # sim judges vote by default
    assert "apigen export --run" in summary.render()


def test_same_seed_same_result(tmp_path: Path) -> None:
    a = run_pipeline(config(tmp_path, "a", n=5, workers=1), progress=False)
    b = run_pipeline(config(tmp_path, "b", n=5, workers=2, concurrency=2), progress=False)
    assert outcome(config(tmp_path, "a").database_url, a.run_id) == outcome(
        config(tmp_path, "b").database_url, b.run_id
    )


def test_killed_worker_items_rerun_exactly_once(tmp_path: Path) -> None:
    cfg = config(tmp_path, n=16, concurrency=2)
    killed: list[str] = []
    finished = threading.Event()

    def killer() -> None:
        # Polls for as long as the run lasts (no wall-clock limit: a loaded machine is slow).
        while not finished.is_set() and not killed:
            try:
                with Store.open(cfg.database_url, migrate=False, create=False) as store:
                    runs = store.runs()
                    if runs and runs[0].items_done >= 3:
                        name = f"apigen-worker-{runs[0].id}-0"
                        ray.kill(ray.get_actor(name))
                        killed.append(name)
                        return
            except Exception:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        summary = run_pipeline(cfg, progress=False)
    finally:
        finished.set()
        thread.join()
    assert killed, "the test never killed a worker"
    assert summary.status == "completed" and summary.restarted_workers >= 1
    assert summary.done == 16
    with Store.open(cfg.database_url) as store:
        assert store.missing_items(summary.run_id) == []
        keys = Counter((t.blueprint_id, t.trial) for t in store.trajectories())
        assert max(keys.values()) == 1


def test_transport_faults_are_counted_not_fatal(tmp_path: Path) -> None:
    faults = "rate_limit=0.1&server_error=0.1&timeout=0.1"
    roles = {
        r: {"models": [f"sim/{r}?{faults}"] * (3 if r in ("reviewer", "judge") else 1)}
        for r in ("generator", "reviewer", "human", "agent", "judge")
    }
    models = {**roles, "retry": {"initial_wait_s": 0.001, "max_wait_s": 0.01, "max_attempts": 3}}
    cfg = config(tmp_path, n=6, models=models)
    summary = run_pipeline(cfg, progress=False)
    assert summary.status == "completed" and summary.done == 6
    with Store.open(cfg.database_url) as store:
        items = [store.read_item(summary.run_id, i) for i in range(6)]
    usage = [u.usage for item in items for u in item.usage]
    retried = sum(u.retries for u in usage)
    gave_up = sum(u.errors for u in usage)
    assert retried > 0  # transient failures were retried and each one persisted
    failed_items = [i for i in items if i.status == "failed"]
    assert len(failed_items) == summary.failed
    assert all(i.error and i.error.startswith("provider_error:") for i in failed_items)
    assert gave_up >= len(failed_items)  # a failed item stems from a call that gave up


def test_driver_killed_then_resumed_matches_uninterrupted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    env = {**os.environ, "APIGEN_DATABASE_URL": url, "RAY_ADDRESS": ""}
    args = [
        sys.executable,
        "-m",
        "apigen",
        "run",
        "--domain",
        "retail",
        "-n",
        "24",
        "--seed",
        "5",
        "--concurrency",
        "2",
        "--quiet",
    ]
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run_id = None
    try:
        deadline = time.monotonic() + 600  # generous: a hang is the failure
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with Store.open(url, migrate=False, create=False) as store:
                    runs = store.runs()
                    if runs and runs[0].items_done >= 4:
                        run_id = runs[0].id
                        break
            except Exception:
                continue
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray it started
        proc.wait()
    assert run_id is not None, "the run never got going"
    with Store.open(url) as store:
        missing = store.missing_items(run_id)
    assert 0 < len(missing) < 24
    resumed = run_pipeline(
        load_settings(flags={"database_url": url}, env={}), resume=run_id, progress=False
    )
    assert resumed.status == "completed" and resumed.items == len(missing)
    fresh = run_pipeline(config(tmp_path, "fresh", n=24, seed=5), progress=False)
    assert outcome(url, run_id) == outcome(config(tmp_path, "fresh").database_url, fresh.run_id)


def test_resume_refuses_runs_it_did_not_start(tmp_path: Path) -> None:
    from apigen.errors import ConfigError

    url = f"sqlite:///{tmp_path / 'other.db'}"
    with Store.open(url) as store:
        run_id = store.start_run({"command": "blueprints generate"}, domain="retail").id
        store.finish_run(run_id, "completed")
    with pytest.raises(ConfigError, match="not started by `apigen run`"):
        run_pipeline(load_settings(flags={"database_url": url}, env={}), resume=run_id)
    with Store.open(url) as store:
        assert store.get_run(run_id).status == "completed"  # left as it was


def _kill_coordinator_midway(url: str, prefix: str, no_restart: bool) -> tuple[Any, list[str]]:
    """A thread killing the named actor starting with ``prefix`` once 2 items are written."""
    killed: list[str] = []
    finished = threading.Event()

    def killer() -> None:
        while not finished.is_set() and not killed:
            try:
                with Store.open(url, migrate=False, create=False) as store:
                    runs = store.runs()
                    if runs and runs[0].items_done >= 2:
                        names = [n for n in ray.util.list_named_actors() if n.startswith(prefix)]
                        for name in names:
                            ray.kill(ray.get_actor(name), no_restart=no_restart)
                            killed.append(name)
            except Exception:
                pass
            time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()

    def stop() -> None:
        finished.set()
        thread.join()

    return stop, killed


@pytest.fixture(scope="module")
def undisturbed(ray_local: None, tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[str]]:
    """What an undisturbed run of the coordination tests' settings owns."""
    folder = tmp_path_factory.mktemp("undisturbed")
    ref = run_pipeline(config(folder, "ref", n=12, concurrency=2), progress=False)
    return owned(config(folder, "ref").database_url, ref.run_id)


@pytest.mark.parametrize(
    ("prefix", "no_restart"),
    [("apigen-dedup-", False), ("apigen-dedup-", True), ("apigen-broker-", False)],
    ids=["dedup-crash", "dedup-gone-for-good", "broker-crash"],
)
def test_lost_coordination_actor_is_not_a_lost_worker(
    tmp_path: Path, prefix: str, no_restart: bool, undisturbed: dict[int, list[str]]
) -> None:
    # issue 15: a kill -9 of the dedup actor restarted 45 healthy workers and failed items
    limits = {"endpoints": {"sim/*": {"rpm": 100_000}}}
    cfg = config(tmp_path, n=12, concurrency=2, models=limits)
    stop, killed = _kill_coordinator_midway(cfg.database_url, prefix, no_restart)
    try:
        summary = run_pipeline(cfg, progress=False)
    finally:
        stop()
    assert killed, "the test never killed the actor"
    assert summary.status == "completed" and summary.done == 12
    assert summary.failed == 0 and summary.restarted_workers == 0  # workers intact
    with Store.open(cfg.database_url) as store:
        assert store.missing_items(summary.run_id) == []
    # the same blueprints are owned (accepted, not duplicates) as in an undisturbed run
    assert owned(cfg.database_url, summary.run_id) == undisturbed


def owned(url: str, run_id: str) -> dict[int, list[str]]:
    """Per item, the fingerprints of its accepted, non-duplicate blueprints."""
    with Store.open(url) as store:
        items = [store.read_item(run_id, i) for i in range(store.get_run(run_id).planned_items)]
    return {i.item_index: [b.fingerprint() for b in i.blueprints if b.id] for i in items}
