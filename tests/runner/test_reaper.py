"""The reaper kills exactly the processes of a dead driver's instance, and nothing on a clean stop.

A stand-in "instance" of real processes (no Ray, so the selection rules are seen
alone), started by a driver in a session of its own: ``held`` works in the
instance's session directory (started before the reaper, so only that directory
names it), ``late`` is started after the reaper, before the directory is named (as
Ray's processes are while ``ray.init`` runs) and not in it, ``unrelated`` is the
driver's own child from before the reaper, and ``foreign`` holds the directory from
another session (a ``tail -f`` of its logs in another terminal). Ray's own processes are
covered end to end by ``test_signals.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import alive

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

DRIVER = textwrap.dedent(
    """
    import json, subprocess, sys, time
    from apigen.runner._reaper import start_reaper
    session, named = sys.argv[1], sys.argv[2] == "named"
    sleep = [sys.executable, "-c", "import time; time.sleep(600)"]
    held = subprocess.Popen(sleep, cwd=session).pid
    unrelated = subprocess.Popen(sleep).pid
    reaper = start_reaper()
    time.sleep(0.1)  # a later clock tick: ray.init's first process comes seconds later
    late = subprocess.Popen(sleep).pid
    if named:
        reaper.watch(session)
    pids = {"held": held, "late": late, "unrelated": unrelated, "reaper": reaper.process.pid}
    print(json.dumps(pids), flush=True)
    if sys.stdin.readline().strip() == "stop":
        reaper.stop()
        print("stopped", flush=True)
    time.sleep(600)
    """
)


def _wait_gone(pids: list[int], limit_s: float) -> list[int]:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


Instance = tuple[Path, "subprocess.Popen[str]", dict[str, int]]


def _instance(tmp_path: Path, mode: str) -> Iterator[Instance]:
    session = tmp_path / "session_x"
    (session / "logs").mkdir(parents=True)
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    foreign = subprocess.Popen(sleeper, cwd=session, start_new_session=True)
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(session), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert driver.stdout is not None
    pids = json.loads(driver.stdout.readline())
    pids["foreign"] = foreign.pid
    try:
        yield session, driver, pids
    finally:
        for name in ("held", "late", "unrelated", "reaper"):
            if alive(pids[name]):
                os.kill(pids[name], signal.SIGKILL)
        for proc in (driver, foreign):
            if proc.poll() is None:
                proc.kill()
            proc.wait()


@pytest.fixture
def named(tmp_path: Path) -> Iterator[Instance]:
    """The instance once ``ray.init`` returned: the session directory named."""
    yield from _instance(tmp_path, "named")


@pytest.fixture
def starting(tmp_path: Path) -> Iterator[Instance]:
    """The instance while ``ray.init`` runs: no session directory yet."""
    yield from _instance(tmp_path, "starting")


def test_a_killed_driver_takes_its_instance_and_nothing_else(named: Instance) -> None:
    session, driver, pids = named
    driver.kill()
    driver.wait()
    assert _wait_gone([pids["held"]], 10) == []
    assert _wait_gone([pids["reaper"]], 15) == []  # it sweeps twice more, then exits
    assert all(alive(pids[name]) for name in ("late", "unrelated", "foreign"))
    log = (session / "logs" / "apigen_reaper.log").read_text()
    assert f"driver {driver.pid} died: killed 1 processes of {session}" in log


def test_a_driver_killed_while_ray_starts_takes_what_it_started_since(starting: Instance) -> None:
    session, driver, pids = starting
    driver.kill()
    driver.wait()
    assert _wait_gone([pids["late"]], 10) == []  # orphaned, born after the reaper
    assert _wait_gone([pids["reaper"]], 15) == []
    assert all(alive(pids[name]) for name in ("held", "unrelated", "foreign"))
    assert not (session / "logs" / "apigen_reaper.log").exists()  # no directory named


def test_a_clean_stop_ends_the_reaper_and_kills_nothing(named: Instance) -> None:
    session, driver, pids = named
    assert driver.stdin is not None and driver.stdout is not None
    driver.stdin.write("stop\n")
    driver.stdin.flush()
    assert driver.stdout.readline().strip() == "stopped"
    assert not alive(pids["reaper"])  # stop() waited for it
    driver.kill()  # after a clean stop, the driver's death is nobody's business
    driver.wait()
    time.sleep(1.0)
    assert all(alive(pids[name]) for name in ("held", "late", "unrelated", "foreign"))
    assert not (session / "logs" / "apigen_reaper.log").exists()
