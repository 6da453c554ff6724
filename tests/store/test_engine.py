"""URLs, engine settings, and Alembic migrations that match the models on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from apigen.errors import ConfigError
from apigen.store import Store
from apigen.store._engine import head_revision, resolve_url
from apigen.store._models import Base


def test_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIGEN_DATABASE_URL", raising=False)
    assert str(resolve_url(None)) == "sqlite:///apigen.db"
    assert str(resolve_url("runs/x.db")) == "sqlite:///runs/x.db"
    monkeypatch.setenv("APIGEN_DATABASE_URL", "postgresql://u:pw@db/apigen")
    url = resolve_url(None)
    assert url.drivername == "postgresql+psycopg" and url.database == "apigen"
    assert resolve_url("sqlite:///given.db").database == "given.db"  # flag beats env


@pytest.mark.parametrize("bad", ["mysql://x/y", "sqlite:///:memory:", "postgresql://::nope"])
def test_bad_urls_are_user_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="--db"):
        Store.open(bad)


def test_read_commands_do_not_create_a_database(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no database"):
        Store.open(str(tmp_path / "missing.db"), create=False)
    assert not (tmp_path / "missing.db").exists()


def test_sqlite_settings(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "s.db")) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 16384  # a new database
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 4096  # 64 MiB


def test_an_existing_database_keeps_its_page_size(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:  # made by something else, 4 KiB pages
        conn.execute("PRAGMA page_size=4096")
        conn.execute("CREATE TABLE t (x)")
    with Store.open(str(db)) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 16384
        assert store.runs() == []


def test_migrated_schema_equals_models(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
        assert ctx.get_current_revision() == head_revision() == "0005"
        tables = set(inspect(conn).get_table_names())
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


def test_reopening_is_a_no_op(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.start_run({}, domain="toy", run_id="r1")
    with Store.open(db_url) as store, store.engine.connect() as conn:
        assert [r.id for r in store.runs()] == ["r1"]
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_unreachable_database_is_a_user_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="cannot open") as err:
        Store.open("postgresql+psycopg://nobody:s3cret@127.0.0.1:1/none?connect_timeout=2")
    assert "s3cret" not in str(err.value) and "***" in str(err.value)
