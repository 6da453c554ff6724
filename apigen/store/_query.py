"""Read-only SQL for curation, refused by the database itself when it would write.

SQLite: the file is opened ``mode=ro`` with ``PRAGMA query_only=ON``, and an
authorizer lets through only reads (no ATTACH, no writing PRAGMA, no DDL/DML);
the driver runs one statement per call. PostgreSQL: a fresh connection, a
``READ ONLY`` transaction on a read-only session, a superuser steps down to
``pg_read_all_data`` (so no ``COPY ... TO`` files), a statement timeout, and the
query is sent as a prepared statement, which the server refuses to hold more than
one command. A leading-keyword check runs first only to give a clearer message.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import NullPool

from apigen.errors import UserError
from apigen.store._engine import create_store_engine, resolve_url
from apigen.store._records import QueryResult

__all__ = ["QueryRefused", "run_query"]

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


def _sqlite_reader(db: str | None) -> Engine:
    engine = create_store_engine(resolve_url(db), read_only=True)

    @event.listens_for(engine, "connect")
    def _lock_down(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_authorizer(_authorize)

    return engine


def _pg_reader(db: str | None, timeout_s: float) -> Engine:
    engine = create_engine(resolve_url(db), poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _read_only_session(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cur.execute(f"SET statement_timeout = {int(timeout_s * 1000)}")
        dbapi_conn.autocommit = False

    return engine


def _pg_execute(conn: Any, sql: str, max_rows: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    import psycopg

    raw = conn.connection.dbapi_connection
    try:
        return _pg_cursor(raw, sql, max_rows)
    except psycopg.Error as exc:
        raise QueryRefused(_first_line(exc)) from None


def _pg_cursor(raw: Any, sql: str, max_rows: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    with raw.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        if row and row[0]:
            cur.execute("SET LOCAL ROLE pg_read_all_data")
        cur.execute(sql.encode(), prepare=True)
        if cur.description is None:
            return [], []
        return [d.name for d in cur.description], cur.fetchmany(max_rows)


def run_query(
    sql: str, db: str | None = None, *, max_rows: int = 100_000, timeout_s: float = 60.0
) -> QueryResult:
    """Run one read-only SQL statement; at most ``max_rows`` rows are returned.

    Raises :class:`QueryRefused` (a user error) for anything that would write,
    for several statements, and for SQL errors, with the database's own message.
    """
    if not _READ_START.match(sql):
        raise QueryRefused(
            "only read-only queries (SELECT, WITH, VALUES, EXPLAIN, ...) are allowed"
        )
    url = resolve_url(db)
    postgres = url.get_backend_name() == "postgresql"
    engine = _pg_reader(db, timeout_s) if postgres else _sqlite_reader(db)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                if postgres:
                    columns, rows = _pg_execute(conn, sql, max_rows)
                else:
                    cur = conn.exec_driver_sql(sql)
                    columns = list(cur.keys()) if cur.returns_rows else []
                    rows = [tuple(r) for r in cur.fetchmany(max_rows)] if cur.returns_rows else []
            finally:
                trans.rollback()  # never commit: whatever slipped through is undone
    except (DBAPIError, StatementError) as exc:
        raise QueryRefused(_first_line(exc)) from None
    except sqlite3.Error as exc:
        raise QueryRefused(_first_line(exc)) from None
    finally:
        engine.dispose()
    return QueryResult(columns=tuple(columns), rows=tuple(tuple(r) for r in rows))


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    text = lines[0] if lines else type(orig).__name__
    if text == "not authorized":  # the SQLite authorizer said no
        return "refused by the database: only reads are allowed (read-only connection)"
    return text
