"""The phase commands as a user runs them (``python -m apigen``): exit codes, one-line
errors, and an interrupted ``generate`` keeping what it finished."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from apigen.store import Store

ROOT = Path(__file__).resolve().parents[2]


def apigen(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("APIGEN_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "apigen", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_bad_invocations_exit_2_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    Store.open(str(db)).close()
    missing = tmp_path / "missing.db"
    cases = {
        ("trajectories", "collect"): "give exactly one of --blueprints PATH or --from-db",
        ("trajectories", "collect", "--blueprints", "x", "--run", "r"): "--run goes with --from-db",
        ("trajectories", "collect", "--from-db", "--run", "nope", "--db", str(db)): (
            "--run: no run 'nope'"
        ),
        ("trajectories", "collect", "--from-db", "--db", str(db)): "no accepted blueprints in",
        ("show", "nope", "--db", str(db)): "ID: no trajectory 'nope'",
        ("show", "nope", "--db", str(missing)): "--db: no database at",
        ("show", "nope", "--db", str(db), "--file", "t.jsonl"): "give one of them",
        ("blueprints", "generate", "--domain", "retail", "--out", "o", "--db", str(db)): (
            "--out writes files and --db a database"
        ),
        ("blueprints", "generate", "--domain", "nope", "-n", "1"): "unknown domain 'nope'",
        ("blueprints", "generate", "--domain", "retail", "--templates-dir", "none"): (
            "templates_dir: none is not a directory"
        ),
    }
    procs = {args: apigen(*args, cwd=tmp_path) for args in cases}
    for args, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (args, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, err)
        assert cases[args] in lines[0], (args, lines[0])
    assert not (tmp_path / "apigen.db").exists() and not missing.exists()


def _items_written(db: Path) -> int:
    """Items stored so far (0 while the database is still being created)."""
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=10)
    try:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:  # tables not migrated yet
        return 0
    finally:
        conn.close()


def test_interrupted_generate_keeps_the_finished_items(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    slow = "sim/generator?latency=0.2"
    proc = apigen(
        "blueprints", "generate", "--domain", "retail", "-n", "400", "--concurrency", "2",
        "--model", f"generator={slow}", "--db", str(db), cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    written = 0
    while written == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        written = _items_written(db)
    assert written > 0, proc.communicate(timeout=5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted"
    with Store.open(str(db)) as store:
        (run,) = store.runs()
        missing = store.missing_items(run.id)
    assert run.status == "interrupted" and run.ended_at is not None
    assert written <= run.items_done < 400 and len(missing) == 400 - run.items_done


def test_a_commands_exit_code_reaches_the_shell(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "domain: retail\ninstruction: Cancel order #W0000000.\nactions:\n"
        "  - name: cancel_pending_order\n"
        "    arguments: {order_id: '#W0000000', reason: no longer needed}\n",
        encoding="utf-8",
    )
    proc = apigen("blueprints", "validate", str(bad), cwd=tmp_path)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "0/1 blueprint files passed" in out
