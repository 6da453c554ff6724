"""Read-only SQL for curation, refused by the database itself when it would write.

SQLite: the file is opened ``mode=ro`` with ``PRAGMA query_only=ON``, and an
authorizer lets through only reads (no ATTACH, no writing PRAGMA, no DDL/DML);
the driver runs one statement per call; a progress handler stops a query after
``timeout_s`` (a runaway recursive CTE included).

PostgreSQL: user SQL never runs under a login that is, or can become, a superuser
(or that may create roles, read/write server files, run programs or signal other
sessions). A privileged store login is swapped for the read-only login
``apigen_reader`` (created and granted by migration 0003 when the migrating user
may) on the same server and database, or for ``reader_url``
(``--reader-url``/``$APIGEN_READER_URL``); a privileged reader is refused. On top:
a ``READ ONLY`` transaction on a read-only session, a statement timeout, and the
query sent as a prepared statement, which the server refuses to hold more than one
command. A leading-keyword check runs first only to give a clearer message.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import NullPool

from apigen.errors import UserError
from apigen.store._engine import create_store_engine, resolve_url
from apigen.store._records import QueryResult

__all__ = ["READER_ENV_VAR", "READER_ROLE", "QueryRefused", "run_query"]

READER_ROLE = "apigen_reader"
"""The read-only PostgreSQL login ``apigen query`` uses (created by migration 0003)."""
READER_ENV_VAR = "APIGEN_READER_URL"
"""Environment variable naming the read-only login's URL (like ``--reader-url``)."""

# A login is privileged when it can escalate or touch the server beyond reading tables.
_PRIVILEGED = """
SELECT r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication
    OR EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolsuper AND pg_has_role(r.oid, s.oid, 'MEMBER'))
    OR pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER')
    OR pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER')
    OR pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER')
    OR pg_has_role(r.oid, 'pg_signal_backend', 'MEMBER')
FROM pg_roles r WHERE r.rolname = session_user
"""
_SETUP = (
    "create a read-only login for it: connect once as a user with CREATEROLE (any apigen "
    "command migrates the store and creates 'apigen_reader'), or create your own "
    "(CREATE ROLE reader LOGIN PASSWORD '...'; GRANT USAGE ON SCHEMA s TO reader; "
    "GRANT SELECT ON ALL TABLES IN SCHEMA s TO reader) and pass --reader-url or set "
    f"${READER_ENV_VAR}"
)

_READ_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*\(*\s*(select|with|values|explain|table|show|pragma)\b", re.I
)
_READ_PRAGMAS = {
    "table_info",
    "table_xinfo",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "database_list",
    "compile_options",
}


class QueryRefused(UserError):
    """The query would write, or is not a single read-only statement."""


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: Any, _src: Any) -> int:
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION):
        return sqlite3.SQLITE_OK
    if action in (sqlite3.SQLITE_RECURSIVE, sqlite3.SQLITE_TRANSACTION):
        return sqlite3.SQLITE_OK  # WITH RECURSIVE; our own BEGIN (the file is read-only)
    if action == sqlite3.SQLITE_PRAGMA and (arg2 is None or (arg1 or "").lower() in _READ_PRAGMAS):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _sqlite_reader(db: str | None, timeout_s: float) -> Engine:
    engine = create_store_engine(resolve_url(db), read_only=True)

    @event.listens_for(engine, "connect")
    def _lock_down(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_authorizer(_authorize)

    @event.listens_for(engine, "begin")
    def _deadline(conn: Any) -> None:
        deadline = time.monotonic() + timeout_s
        raw = conn.connection.dbapi_connection
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)

    return engine


def _privileged(dbapi_conn: Any) -> bool:
    with dbapi_conn.cursor() as cur:
        cur.execute(_PRIVILEGED)
        row = cur.fetchone()
    return bool(row and row[0])


def _pg_login(url: URL, reader_url: str | None) -> URL:
    """The URL user SQL runs under: ``reader_url``, the store's own login when it is
    not privileged, else ``apigen_reader`` on the store's server and database."""
    if reader_url:
        reader = resolve_url(reader_url)
        if reader.get_backend_name() != "postgresql":
            raise QueryRefused("--reader-url must be a PostgreSQL URL like the database's")
        return reader
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect() as conn:
            privileged = _privileged(conn.connection.dbapi_connection)
    except DBAPIError as exc:
        raise QueryRefused(f"cannot connect: {_first_line(exc)}") from None
    finally:
        probe.dispose()
    return url.set(username=READER_ROLE, password=None) if privileged else url


def _pg_reader(url: URL, timeout_s: float) -> Engine:
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _read_only_session(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.autocommit = True
        if _privileged(dbapi_conn):
            raise QueryRefused(
                f"refusing to run SQL as {url.username or 'this login'!r}: it is or can become "
                f"a superuser; {_SETUP}"
            )
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cur.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
        dbapi_conn.autocommit = False

    return engine


def _pg_execute(
    conn: Any, sql: str, max_rows: int, timeout_s: float
) -> tuple[list[str], list[tuple[Any, ...]]]:
    import psycopg

    raw = conn.connection.dbapi_connection
    try:
        return _pg_cursor(raw, sql, max_rows)
    except psycopg.Error as exc:
        raise QueryRefused(_explain(exc, timeout_s, postgres=True)) from None


def _pg_cursor(raw: Any, sql: str, max_rows: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    with raw.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        cur.execute(sql.encode(), prepare=True)
        if cur.description is None:
            return [], []
        return [d.name for d in cur.description], cur.fetchmany(max_rows)


def run_query(
    sql: str,
    db: str | None = None,
    *,
    max_rows: int = 100_000,
    timeout_s: float = 60.0,
    reader_url: str | None = None,
) -> QueryResult:
    """Run one read-only SQL statement; at most ``max_rows`` rows are returned.

    ``timeout_s`` (default 60) stops a longer query on both databases.
    ``reader_url`` (default ``$APIGEN_READER_URL``) is the PostgreSQL login to run
    under; see the module docstring for when it is needed.

    Raises :class:`QueryRefused` (a user error) for anything that would write,
    for several statements, for SQL errors (with the database's own message), for a
    query past its time limit, and on PostgreSQL when only a privileged login is
    available.
    """
    if not _READ_START.match(sql):
        raise QueryRefused(
            "only read-only queries (SELECT, WITH, VALUES, EXPLAIN, ...) are allowed"
        )
    url = resolve_url(db)
    postgres = url.get_backend_name() == "postgresql"
    if postgres:
        login = _pg_login(url, reader_url or os.environ.get(READER_ENV_VAR))
        engine = _pg_reader(login, timeout_s)
    else:
        engine = _sqlite_reader(db, timeout_s)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                if postgres:
                    columns, rows = _pg_execute(conn, sql, max_rows, timeout_s)
                else:
                    cur = conn.exec_driver_sql(sql)
                    columns = list(cur.keys()) if cur.returns_rows else []
                    rows = [tuple(r) for r in cur.fetchmany(max_rows)] if cur.returns_rows else []
            finally:
                trans.rollback()  # never commit: whatever slipped through is undone
    except (DBAPIError, StatementError, sqlite3.Error) as exc:
        raise QueryRefused(_explain(exc, timeout_s, postgres=postgres)) from None
    finally:
        engine.dispose()
    return QueryResult(columns=tuple(columns), rows=tuple(tuple(r) for r in rows))


def _explain(exc: Exception, timeout_s: float, *, postgres: bool) -> str:
    text = _first_line(exc)
    if text == "interrupted" or "statement timeout" in text:
        return f"stopped after the {timeout_s:g} s time limit (--timeout)"
    if postgres and f'"{READER_ROLE}"' in text and "does not exist" in text:
        return f"no read-only login {READER_ROLE!r} on this server; {_SETUP}"
    if postgres and ("authentication failed" in text or "no password supplied" in text):
        return f"cannot log in as the read-only login: {text}; {_SETUP}"
    return text


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    text = lines[0] if lines else type(orig).__name__
    if text == "not authorized":  # the SQLite authorizer said no
        return "refused by the database: only reads are allowed (read-only connection)"
    return text
