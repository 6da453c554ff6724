"""Signals to a run's driver: SIGTERM stops a run like Ctrl-C and the printed resume
command finishes it as printed; SIGKILL leaves no process of the run's local Ray
instance behind (and never touches a cluster's), and the run resumes."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apigen.store import Store
from tests.support.processes import live, session, survivors
from tests.support.ray_head import ray_head

TIME_LIMIT_S = 600  # generous: a hang is the failure, not a slow machine
REAP_S = 15  # how long a killed driver's Ray processes may outlive it, polled
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APIGEN_", "RAY_ADDRESS"))}
    return {**env, **extra}


def _start(
    folder: Path, args: list[str], db: Path, items: int, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``apigen ARGS`` in a session of its own, returned once ``items`` items of its run
    are written (still running)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "apigen", *args],
        cwd=folder,
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its session holds its local Ray instance and nothing else
    )
    deadline = time.monotonic() + TIME_LIMIT_S
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with Store.open(str(db), migrate=False, create=False) as store:
                runs = store.runs()
                if runs and runs[0].items_done >= items:
                    return proc
        except Exception:
            continue
    _stop(proc)
    raise AssertionError(f"the run ended before it could be signalled: {proc.returncode}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _apigen(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigen", *args],
        cwd=folder,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
        check=False,
    )


def test_sigterm_interrupts_and_the_printed_resume_command_works(tmp_path: Path) -> None:
    # issue 15: SIGTERM exited 1 with a Ray stack dump and marked the run failed; the
    # "resume with:" hint omitted --db
    (tmp_path / "cfg.yaml").write_text(
        "domain: retail\nn: 24\nseed: 3\nworkers: 2\nconcurrency: 1\ngrace_s: 60\n",
        encoding="utf-8",
    )
    db = tmp_path / "sub" / "my runs.db"
    db.parent.mkdir()
    proc = _start(tmp_path, ["run", "--config", "cfg.yaml", "--db", "sub/my runs.db"], db, 2)
    try:
        proc.send_signal(signal.SIGTERM)  # the driver only, as a process manager does
        out, err = proc.communicate(timeout=TIME_LIMIT_S)
    finally:
        _stop(proc)
    assert "Traceback" not in out + err, err[-3000:]
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    with Store.open(str(db)) as store:
        run = store.runs()[0]
        assert run.status == "interrupted"
        missing = store.missing_items(run.id)
    assert 0 < len(missing) < 24  # rows of the drained items kept
    hint = next(line for line in out.splitlines() if "resume with:" in line)
    command = shlex.split(hint.split("resume with:", 1)[1])
    assert command[:2] == ["apigen", "run"] and "--db" in command and "--config" in command
    resumed = _apigen(tmp_path, *command[1:], "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with Store.open(str(db)) as store:
        assert store.get_run(run.id).status == "completed"
        assert store.missing_items(run.id) == []


def _kill_and_wait(proc: subprocess.Popen[str], wait_s: float) -> tuple[dict[int, int], list[int]]:
    """SIGKILL the driver alone (its workers busy); its processes at that moment, and
    those still alive after ``wait_s`` (or as soon as none is)."""
    family = session(proc.pid)
    family.pop(proc.pid)
    proc.kill()
    proc.wait()
    killed = time.monotonic()
    left = survivors(family)
    while left and time.monotonic() - killed < wait_s:
        time.sleep(0.25)
        left = survivors(family)
    return family, left


def _cmdlines(pids: list[int]) -> list[bytes]:
    return [Path(f"/proc/{p}/cmdline").read_bytes()[:80] for p in pids]


@linux_only
def test_sigkill_leaves_no_ray_process_and_the_run_resumes(tmp_path: Path) -> None:
    # issue 15: SIGKILL left two Ray helper processes per run for a minute (the
    # raylet's agents, waiting 60 s on the dead GCS)
    (tmp_path / "cfg.yaml").write_text(
        "domain: retail\nn: 3\nseed: 4\nworkers: 2\nconcurrency: 1\nrollout:\n  trials: 1\n",
        encoding="utf-8",
    )
    db = tmp_path / "runs.db"
    proc = _start(tmp_path, ["run", "--config", "cfg.yaml", "--db", str(db)], db, 1)
    family: dict[int, int] = {}
    try:
        family, left = _kill_and_wait(proc, REAP_S)
    finally:
        _stop(proc)
        for pid in survivors(family):  # only what this test's driver started
            os.kill(pid, signal.SIGKILL)
    assert len(family) >= 5, family  # gcs, raylet, agents, workers, the reaper: a real instance
    assert left == [], _cmdlines(left)
    with Store.open(str(db)) as store:
        run = store.runs()[0]
        assert 0 < len(store.missing_items(run.id)) < 3
    # the run row was left "running"; resumed in process to keep the test short (the
    # SIGTERM test resumes on Ray)
    resumed = _apigen(tmp_path, "run", "--resume", run.id, "--db", str(db), "--backend", "local")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with Store.open(str(db)) as store:
        assert store.get_run(run.id).status == "completed"
        assert store.missing_items(run.id) == []


def _headsession(port: str) -> int:
    """The session of the ``ray start --head`` listening on ``port`` (it leads it)."""
    for pid in live():
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
        if b"start" in args and b"--head" in args and f"--port={port}".encode() in args:
            return pid
    raise AssertionError(f"no Ray head on port {port}")


def _cluster_processes(sid: int) -> dict[int, int]:
    """The cluster's own processes in the session of its head (``ray start``, GCS,
    raylet, agents, monitors): pid -> start time. Job workers (``ray::…`` other than
    the agents) come and go with their drivers, as Ray decides."""
    own = {}
    for pid, start in session(sid).items():
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        if not command.startswith(b"ray::") or command.rstrip(b"\0").endswith(b"Agent"):
            own[pid] = start
    return own


@linux_only
@pytest.mark.slow
def test_sigkill_of_a_driver_on_a_cluster_leaves_the_cluster_alone(tmp_path: Path) -> None:
    env = _env(RAY_AUTH_MODE="disabled")
    with ray_head(tmp_path, env, num_cpus=2) as address:
        db = tmp_path / "runs.db"
        args = ["run", "--domain", "retail", "-n", "3", "--trials", "1", "--workers", "1"]
        proc = _start(tmp_path, [*args, "--ray-address", address, "--db", str(db)], db, 1, env)
        try:
            head = _cluster_processes(_headsession(address.rsplit(":", 1)[1]))
            driver = session(proc.pid)
            commands = [Path(f"/proc/{p}/cmdline").read_bytes() for p in driver]
            _kill_and_wait(proc, 3.0)
        finally:
            _stop(proc)
        assert len(head) >= 5, head  # ray start, GCS, raylet, its two agents, ...
        assert not any(b"_reaper" in c for c in commands), "a reaper for a cluster's driver"
        assert set(survivors(head)) == set(head), "the cluster lost processes"
        with Store.open(str(db)) as store:
            run_id = store.runs()[0].id
        resume = ["run", "--resume", run_id, "--db", str(db), "--ray-address", address]
        again = _apigen(tmp_path, *resume, env=env)
        assert again.returncode == 0, again.stderr[-2000:]  # the same cluster runs the rest
