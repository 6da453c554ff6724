"""SIGTERM stops a run like Ctrl-C, and the printed resume command finishes it as printed."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from apigen.store import Store

TIME_LIMIT_S = 600  # generous: a hang is the failure, not a slow machine


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APIGEN_", "RAY_ADDRESS"))}
    return env


def test_sigterm_interrupts_and_the_printed_resume_command_works(tmp_path: Path) -> None:
    # issue 15: SIGTERM exited 1 with a Ray stack dump and marked the run failed; the
    # "resume with:" hint omitted --db
    (tmp_path / "cfg.yaml").write_text(
        "domain: retail\nn: 24\nseed: 3\nworkers: 2\nconcurrency: 1\ngrace_s: 60\n",
        encoding="utf-8",
    )
    db = tmp_path / "sub" / "my runs.db"
    db.parent.mkdir()
    args = ["run", "--config", "cfg.yaml", "--db", "sub/my runs.db", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "apigen", *args],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIME_LIMIT_S
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with Store.open(str(db), migrate=False, create=False) as store:
                    runs = store.runs()
                    if runs and runs[0].items_done >= 2:
                        break
            except Exception:
                continue
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGTERM)  # the driver only, as a process manager does
        out, err = proc.communicate(timeout=TIME_LIMIT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
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
    resumed = subprocess.run(
        [sys.executable, "-m", "apigen", *command[1:], "--quiet"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with Store.open(str(db)) as store:
        assert store.get_run(run.id).status == "completed"
        assert store.missing_items(run.id) == []
