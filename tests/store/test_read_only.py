"""Read-only commands leave databases they did not create alone (issue 15)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, make_url, text

from apigen.errors import ConfigError
from apigen.store import Store
from apigen.store._engine import _script, create_store_engine, head_revision, resolve_url
from tests.store.conversations import trajectory


def foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    return path


def state(path: Path) -> tuple[object, ...]:
    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()
    return tuple(tables), mode, sorted(p.name for p in path.parent.iterdir())


def test_foreign_sqlite_is_neither_migrated_nor_switched_to_wal(tmp_path: Path) -> None:
    db = foreign_sqlite(tmp_path / "other.db")
    before = state(db)
    with pytest.raises(ConfigError, match="not an apigen database") as err:
        Store.open(str(db), read_only=True)
    assert "\n" not in str(err.value)
    assert state(db) == before and before[1] == ("delete",)


def test_finished_database_in_a_read_only_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "done.db"
    with Store.open(str(db)) as store:
        store.start_run({}, domain="toy", run_id="r1")
        store.write_item("r1", 0, trajectories=[trajectory()])
        store.finish_run("r1", "completed")
    # The suite runs as root, which may write anywhere: make the directory read-only
    # for apigen's own check, so the store opens the file immutable (no -shm/-wal).
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode)
    )
    with Store.open(str(db), read_only=True) as store:
        assert [r.id for r in store.runs()] == ["r1"]
        assert "immutable=1" in str(store.engine.url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["done.db"]


def test_older_apigen_database_is_upgraded_when_writable(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    Store.open(str(db)).close()
    engine = create_store_engine(resolve_url(str(db)))
    cfg, _ = _script()
    with engine.begin() as conn:  # back to an older apigen's schema
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    engine.dispose()
    with Store.open(str(db), read_only=True) as store:
        assert store.runs() == []
    with sqlite3.connect(db) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version == (head_revision(),)


def test_postgres_schema_without_apigen_tables_stays_empty() -> None:
    base = os.environ.get("APIGEN_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("APIGEN_TEST_POSTGRES_URL is not set")
    schema = f"apigen_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with pytest.raises(ConfigError, match="not an apigen database"):
            Store.open(url.render_as_string(hide_password=False), read_only=True)
        with admin.connect() as conn:
            assert inspect(conn).get_table_names(schema=schema) == []
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
