"""The reaper kills exactly the processes of a dead driver's instance, and nothing on a clean stop.

A stand-in "instance" of real processes (no Ray, so the selection rule is seen
alone): a driver in a session of its own starts two processes working in the
instance's session directory, one in the same session that does not, and one
outside the session that does; then it starts the reaper. Ray's own processes are
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
from pathlib import Path

import pytest

from tests.support.processes import alive

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the reaper is Linux only"
)

DRIVER = textwrap.dedent(
    """
    import json, subprocess, sys, time
    from apigen.runner._reaper import start_reaper
    session = sys.argv[1]
    sleep = [sys.executable, "-c", "import time; time.sleep(600)"]
    members = [subprocess.Popen(sleep, cwd=session).pid for _ in range(2)]
    unrelated = subprocess.Popen(sleep).pid  # same session, not the instance's
    reaper = start_reaper(session)
    print(json.dumps({"members": members, "unrelated": unrelated, "reaper": reaper.process.pid}))
    sys.stdout.flush()
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


@pytest.fixture
def instance(tmp_path: Path):  # type: ignore[no-untyped-def]
    session = tmp_path / "session_x"
    (session / "logs").mkdir(parents=True)
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    # another session holding the directory (a `tail -f` of its logs in another terminal)
    foreign = subprocess.Popen(sleeper, cwd=session, start_new_session=True)
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(session)],
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
        for pid in (*pids["members"], pids["unrelated"], pids["reaper"]):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        for proc in (driver, foreign):
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def test_a_killed_driver_takes_its_instance_and_nothing_else(instance) -> None:  # type: ignore[no-untyped-def]
    session, driver, pids = instance
    driver.kill()
    driver.wait()
    assert _wait_gone(pids["members"], 10) == []
    assert _wait_gone([pids["reaper"]], 15) == []  # it sweeps twice more, then exits
    assert alive(pids["unrelated"]) and alive(pids["foreign"])
    log = (session / "logs" / "apigen_reaper.log").read_text()
    assert f"driver {driver.pid} died: killed 2 processes" in log


def test_a_clean_stop_ends_the_reaper_and_kills_nothing(instance) -> None:  # type: ignore[no-untyped-def]
    session, driver, pids = instance
    assert driver.stdin is not None and driver.stdout is not None
    driver.stdin.write("stop\n")
    driver.stdin.flush()
    assert driver.stdout.readline().strip() == "stopped"
    assert not alive(pids["reaper"])  # stop() waited for it
    driver.kill()  # after a clean stop, the driver's death is nobody's business
    driver.wait()
    time.sleep(1.0)
    assert all(alive(p) for p in (*pids["members"], pids["unrelated"], pids["foreign"]))
    assert (session / "logs" / "apigen_reaper.log").read_text() == ""
