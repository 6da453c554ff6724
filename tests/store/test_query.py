"""`apigen query` is read-only because the database refuses writes, not because of a regex."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from apigen.store import QueryRefused, Store, run_query
from apigen.store import _query as q
from tests.store.conversations import trajectory


@pytest.fixture
def filled(store: Store, db_url: str) -> str:
    store.start_run({}, domain="toy", run_id="r1")
    store.write_item("r1", 0, trajectories=[trajectory(), trajectory(accepted=False)])
    return db_url


def snapshot(url: str) -> tuple[object, ...]:
    with Store.open(url) as store, store.engine.connect() as conn:
        names = tuple(sorted(store.engine.dialect.get_table_names(conn)))
        runs = conn.execute(text("SELECT id, status, domain FROM runs")).all()
        n = conn.execute(text("SELECT count(*) FROM trajectories")).scalar()
    return names, tuple(map(tuple, runs)), n


def test_reads_work(filled: str) -> None:
    res = run_query("SELECT id, accepted FROM trajectories ORDER BY id", filled)
    assert res.columns == ("id", "accepted")
    assert [r[0] for r in res.rows] == ["r1:0:t0", "r1:0:t1"]
    res = run_query("WITH a AS (SELECT count(*) AS n FROM runs) SELECT n FROM a", filled)
    assert res.rows == ((1,),)
    assert len(run_query("SELECT * FROM trajectories", filled, max_rows=1).rows) == 1


ATTACKS = [
    "INSERT INTO runs (id) VALUES ('x')",
    "UPDATE runs SET status = 'failed'",
    "DELETE FROM trajectories",
    "DROP TABLE verdicts",
    "CREATE TABLE evil (a int)",
    "ALTER TABLE runs ADD COLUMN evil int",
    "SELECT 1; DROP TABLE runs",
    "SELECT 1; COMMIT; DELETE FROM runs",
    "WITH d AS (DELETE FROM runs RETURNING id) SELECT * FROM d",
]
SQLITE_ATTACKS = [
    "PRAGMA query_only = OFF",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA user_version = 5",
    "ATTACH DATABASE 'evil.db' AS evil",
    "VACUUM",
]
PG_ATTACKS = [
    "SELECT set_config('default_transaction_read_only', 'off', false); DELETE FROM runs",
    "SELECT nextval('evil_seq')",
    "SELECT setval('evil_seq', 100)",
]


def test_every_write_is_refused_and_nothing_changes(filled: str, tmp_path: Path) -> None:
    sqlite = filled.startswith("sqlite")
    if not sqlite:
        with Store.open(filled) as store, store.engine.begin() as conn:
            conn.execute(text("CREATE SEQUENCE evil_seq"))
    before = snapshot(filled)
    attacks = ATTACKS + (SQLITE_ATTACKS if sqlite else PG_ATTACKS)
    for sql in attacks:
        with pytest.raises(QueryRefused) as err:
            run_query(sql, filled)
        assert "\n" not in str(err.value), sql
    assert snapshot(filled) == before
    assert not (Path.cwd() / "evil.db").exists()


def test_database_refuses_even_without_the_keyword_check(
    filled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switch the up-front check off: the database itself must still refuse."""
    monkeypatch.setattr(q, "_READ_START", type("Any", (), {"match": staticmethod(lambda s: True)}))
    before = snapshot(filled)
    for sql in ATTACKS[:6]:
        with pytest.raises(QueryRefused):
            run_query(sql, filled)
    assert snapshot(filled) == before


def test_copy_to_a_server_file_is_refused(filled: str, tmp_path: Path) -> None:
    if filled.startswith("sqlite"):
        pytest.skip("COPY is PostgreSQL only")
    target = f"/tmp/apigen-evil-{os.getpid()}"
    with pytest.raises(QueryRefused):
        run_query(f"COPY (SELECT 1) TO '{target}'", filled)
    assert not Path(target).exists()


def test_transaction_is_rolled_back_not_committed(filled: str) -> None:
    """A write the read-only transaction lets through (large objects) never persists."""
    if filled.startswith("sqlite"):
        pytest.skip("PostgreSQL large objects")
    count = "SELECT count(*) FROM pg_largeobject_metadata"
    before = run_query(count, filled).rows
    run_query("SELECT pg_catalog.lo_from_bytea(0, 'x')", filled)
    assert run_query(count, filled).rows == before


def test_bad_sql_is_a_one_line_user_error(filled: str) -> None:
    with pytest.raises(QueryRefused, match=r"no such|does not exist"):
        run_query("SELECT * FROM nope", filled)
