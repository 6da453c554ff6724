"""Engines: URL resolution, SQLite pragmas, PostgreSQL settings, migrations to head."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

from apigen.errors import ConfigError

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "RawJSON",
    "create_store_engine",
    "current_revision",
    "head_revision",
    "resolve_url",
    "safe_url",
    "scratch_schema",
    "upgrade_to_head",
]

ENV_VAR = "APIGEN_DATABASE_URL"
DEFAULT_URL = "sqlite:///apigen.db"
MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x41504947454E  # "APIGEN": serialises concurrent upgrades on one server


class RawJSON(str):
    """Text that is already JSON: stored verbatim in a JSON column (no second dumps)."""

    __slots__ = ()


def _dumps(value: Any) -> str:
    if isinstance(value, RawJSON):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def resolve_url(db: str | None = None) -> URL:
    """The database URL: ``db`` (a URL or a SQLite file path), else ``$APIGEN_DATABASE_URL``,
    else ``sqlite:///apigen.db`` in the working directory."""
    raw = db or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in raw:
        raw = f"sqlite:///{raw}"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"not a database URL: {exc}", field="--db") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"unsupported database {backend!r} (sqlite or postgresql)", field="--db")
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


@contextmanager
def scratch_schema(url: str, *, prefix: str = "apigen_scratch") -> Iterator[str]:
    """A URL of the PostgreSQL database at ``url`` whose ``search_path`` is a fresh
    schema named ``{prefix}_<random>``; the schema and everything in it is dropped
    when the block ends. Benchmarks and tests use it to share a database safely."""
    base = resolve_url(url)
    if base.get_backend_name() != "postgresql":
        raise ConfigError("a scratch schema needs a PostgreSQL URL", field="--postgres")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
            yield scoped.render_as_string(hide_password=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def safe_url(url: URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    return url.render_as_string(hide_password=True)


def create_store_engine(url: URL, *, read_only: bool = False) -> Engine:
    """An engine with the store's settings.

    SQLite: WAL journal, 30 s busy timeout, foreign keys on; ``BEGIN IMMEDIATE`` on
    connections with the ``immediate`` execution option (writers), plain ``BEGIN``
    otherwise. ``read_only`` opens the file with ``mode=ro`` and ``query_only`` and
    leaves the journal mode alone; in a directory apigen may not write to, the file
    is opened ``immutable`` (no lock or ``-shm`` files needed).
    PostgreSQL: psycopg 3, pre-ping for long-lived workers.
    """
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, read_only=read_only)
    return create_engine(
        url, json_serializer=_dumps, pool_pre_ping=True, pool_size=2, max_overflow=4
    )


def _sqlite_engine(url: URL, *, read_only: bool) -> Engine:
    path = url.database or ""
    if path in ("", ":memory:"):
        raise ConfigError("use a SQLite file, not an in-memory database", field="--db")
    if read_only:
        absolute = Path(path).resolve()
        if not absolute.exists():
            raise ConfigError(f"no database at {absolute}", field="--db")
        query = {"mode": "ro", "uri": "true"}
        if not os.access(absolute.parent, os.W_OK):
            query["immutable"] = "1"  # nobody can write here, so nothing can change it
        url = url.set(database=f"file:{absolute}", query=query)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, json_serializer=_dumps, connect_args={"timeout": 30, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        if read_only:
            cur.execute("PRAGMA query_only=ON")
        else:
            # 16 KiB pages for a new database (a no-op on an existing one): a stored
            # conversation fits one page instead of a chain of overflow pages, and the
            # B-trees are shallower; measured ~15-30 % faster ingest than 4 KiB
            cur.execute("PRAGMA page_size=16384")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: index updates stay in memory
            # checkpoint every ~64 MiB of WAL, not 4 MiB: index pages that many batches
            # touch are copied into the database once per checkpoint, not once per batch
            page = cur.execute("PRAGMA page_size").fetchone()[0]
            cur.execute(f"PRAGMA wal_autocheckpoint={(64 << 20) // int(page)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _script() -> Any:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg, ScriptDirectory.from_config(cfg)


def head_revision() -> str:
    """The newest migration's revision id."""
    return str(_script()[1].get_current_head())


def current_revision(engine: Engine) -> str | None:
    """The database's migration revision; ``None`` when it has no apigen tables.

    Reads only: nothing is created (unlike alembic's own helpers on some backends).
    """
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return str(row[0]) if row else None


def upgrade_to_head(engine: Engine) -> None:
    """Run ``alembic upgrade head`` with the packaged migrations (no alembic.ini needed).

    A no-op when the database is already at head. On PostgreSQL an advisory lock
    serialises workers that open the store at the same time; on SQLite the
    ``BEGIN IMMEDIATE`` write lock does.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg, script = _script()
    head = script.get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.connect() as conn:
        conn = conn.execution_options(immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
