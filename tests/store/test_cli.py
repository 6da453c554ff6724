"""The curation commands: thin, `--db` or $APIGEN_DATABASE_URL, one-line user errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from apigen.store import Store
from tests.store.conversations import blueprint, trajectory
from tests.support.cli import apigen


@pytest.fixture
def db(store: Store, db_url: str) -> str:
    store.start_run({"api_key": "sk-1"}, domain="toy", run_id="r1", planned_items=2)
    store.write_item("r1", 0, blueprints=[blueprint()], trajectories=[trajectory()])
    store.write_item("r1", 1, trajectories=[trajectory(accepted=False, ending="max_turns")])
    return db_url


def test_runs_and_stats(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, _ = apigen(capsys, "runs", "--db", db, "--json")
    runs = json.loads(out)
    assert code == 0 and runs[0]["id"] == "r1" and runs[0]["config"] == {"api_key": "***"}
    code, out, _ = apigen(capsys, "runs", "--db", db)
    assert "r1" in out and "accepted 1/2" in out
    code, out, _ = apigen(capsys, "stats", "--db", db, "--run", "r1", "--json")
    assert json.loads(out)["accepted"] == 1
    code, out, _ = apigen(capsys, "stats", "--db", db)
    assert "funnel" in out and "max_turns" in out and "find_user" in out


def test_env_var_fallback(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIGEN_DATABASE_URL", db)
    code, out, _ = apigen(capsys, "runs", "--json")
    assert code == 0 and json.loads(out)[0]["id"] == "r1"


def test_query_formats_and_refusal(capsys: pytest.CaptureFixture[str], db: str) -> None:
    sql = "SELECT id, turns FROM trajectories ORDER BY id"
    code, out, _ = apigen(capsys, "query", sql, "--db", db, "--csv")
    assert list(csv.reader(io.StringIO(out))) == [
        ["id", "turns"],
        ["r1:0:t0", "2"],
        ["r1:1:t0", "2"],
    ]
    code, out, _ = apigen(capsys, "query", sql, "--db", db, "--json")
    assert json.loads(out)[0] == {"id": "r1:0:t0", "turns": 2}
    code, out, _ = apigen(capsys, "query", sql, "--db", db)
    assert "(2 rows)" in out
    code, out, err = apigen(capsys, "query", "DELETE FROM runs", "--db", db)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    code, out, err = apigen(capsys, "query", "SELECT 1; DROP TABLE runs", "--db", db)
    assert code == 2 and err.count("\n") == 1


def test_schema_report_export(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    code, out, _ = apigen(capsys, "schema")
    assert code == 0 and "## `trajectories`" in out
    code, out, _ = apigen(capsys, "report", "--db", db, "--out", str(tmp_path / "r.html"))
    assert code == 0 and (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    target = tmp_path / "data.jsonl"
    code, out, _ = apigen(capsys, "export", "--db", db, "--format", "openai", "--out", str(target))
    assert code == 0 and "wrote 1 records" in out
    code, out, _ = apigen(
        capsys,
        "export",
        "--db",
        db,
        "--format",
        "openai",
        "--out",
        str(target),
        "--include-rejected",
        "--split",
        "0.5",
        "--json",
    )
    assert sum(f["records"] for f in json.loads(out)["files"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "nope", "--out", "x.jsonl"], "unknown export format 'nope'"),
        (["export", "--format", "openai", "--out", "x", "--split", "1.5"], "--split"),
        (["export", "--format", "openai", "--out", "x", "--reasoning", "maybe"], "--reasoning"),
        (["stats", "--run", "nope"], "no run 'nope'"),
        (
            ["export", "--format", "chat-template", "--out", "x", "--chat-template", "no.jinja"],
            "--chat-template",
        ),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], message: str
) -> None:
    code, _, err = apigen(capsys, *args, "--db", db)
    assert code == 2 and message in err and err.count("\n") == 1


def test_missing_sqlite_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = apigen(capsys, "runs", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no database at" in err
