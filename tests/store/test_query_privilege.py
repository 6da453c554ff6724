"""`apigen query` never runs user SQL under a login that can become superuser.

The attacks of issue 15 run against the machine's PostgreSQL as the superuser the
store was opened with: the query must run as the read-only login instead, so each
escalation is refused by the server (not by a list of function names). SQLite gets
the same time limit as PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from apigen.store import QueryRefused, Store, run_query
from apigen.store import _query as q
from tests.store.conversations import trajectory


@pytest.fixture
def pg(store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL logins")
    monkeypatch.delenv(q.READER_ENV_VAR, raising=False)
    store.start_run({}, domain="toy", run_id="r1")
    store.write_item("r1", 0, trajectories=[trajectory()])
    return db_url


@pytest.fixture
def no_keyword_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let every statement reach the server: the server alone must refuse."""
    monkeypatch.setattr(q, "_READ_START", type("Any", (), {"match": staticmethod(lambda s: True)}))


@pytest.fixture
def admin_pid(pg: str) -> Iterator[tuple[object, int]]:
    engine = create_engine(pg)
    conn = engine.connect()
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    yield conn, int(pid)
    conn.close()
    engine.dispose()


def test_user_sql_runs_as_the_read_only_login(pg: str) -> None:
    row = run_query(
        "SELECT current_user, session_user, current_setting('is_superuser'), count(*) FROM runs",
        pg,
    ).rows[0]
    assert row == (q.READER_ROLE, q.READER_ROLE, "off", 1)


ESCALATIONS = [
    # the attack from the issue: become the superuser again, then run SQL as it
    "SELECT set_config('role', 'postgres', true), "
    "query_to_xml('SELECT pg_read_file(''/etc/hostname'')', true, false, '')",
    "SELECT set_config('session_authorization', 'postgres', false)",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT pg_ls_dir('.')",
    "SELECT lo_import('/etc/hostname')",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "COPY (SELECT 1) TO PROGRAM 'touch /tmp/apigen-evil-program'",
    "COPY runs FROM PROGRAM 'echo x'",
]


@pytest.mark.parametrize("sql", ESCALATIONS)
def test_escalations_are_refused_by_the_server(pg: str, no_keyword_check: None, sql: str) -> None:
    with pytest.raises(QueryRefused, match=r"permission denied|must be superuser") as err:
        run_query(sql, pg)
    assert "\n" not in str(err.value)
    assert not Path("/tmp/apigen-evil-program").exists()


def test_reset_role_stays_the_reader(pg: str, no_keyword_check: None) -> None:
    sql = "SELECT set_config('role', 'none', true), current_user, current_setting('is_superuser')"
    assert run_query(sql, pg).rows[0][1:] == (q.READER_ROLE, "off")
    assert run_query("RESET ROLE", pg).rows == ()  # back to the reader itself: harmless


def test_cannot_terminate_another_session(pg: str, admin_pid: tuple[object, int]) -> None:
    conn, pid = admin_pid
    with pytest.raises(QueryRefused, match=r"permission denied|must be a"):
        run_query(f"SELECT pg_terminate_backend({pid})", pg)
    assert conn.execute(text("SELECT 1")).scalar_one() == 1  # type: ignore[attr-defined]


def test_dblink_cannot_log_back_in_as_superuser(pg: str) -> None:
    schema = make_url(pg).query["options"].split("=", 1)[1]  # type: ignore[union-attr]
    admin = create_engine(pg)
    try:
        with admin.begin() as conn:
            available = conn.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'dblink'")
            ).scalar()
            installed = conn.execute(
                text(
                    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                    "ON n.oid = e.extnamespace WHERE e.extname = 'dblink'"
                )
            ).scalar()
            if not available:
                pytest.skip("dblink is not available on this server")
            if installed is None:
                conn.execute(text(f'CREATE EXTENSION dblink SCHEMA "{schema}"'))
                installed = schema
            conn.execute(text(f'GRANT USAGE ON SCHEMA "{installed}" TO {q.READER_ROLE}'))
    finally:
        admin.dispose()
    sql = (
        f"SELECT * FROM \"{installed}\".dblink('host=127.0.0.1 dbname=test user=postgres', "
        "'SELECT pg_read_file(''/etc/hostname'')') AS t(x text)"
    )
    with pytest.raises(QueryRefused, match=r"password|permission denied"):
        run_query(sql, pg)


def test_a_privileged_reader_url_is_refused(pg: str) -> None:
    with pytest.raises(QueryRefused, match=r"superuser.*--reader-url") as err:
        run_query("SELECT 1", pg, reader_url=pg)
    assert "\n" not in str(err.value)


def test_without_a_reader_login_the_superuser_is_refused(
    pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(q, "READER_ROLE", f"apigen_missing_{uuid.uuid4().hex[:6]}")
    with pytest.raises(QueryRefused, match=r"no read-only login.*--reader-url") as err:
        run_query("SELECT 1", pg)
    assert "\n" not in str(err.value)


def test_reader_url_from_the_environment(pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = make_url(pg).set(username=q.READER_ROLE).render_as_string(hide_password=False)
    monkeypatch.setenv(q.READER_ENV_VAR, reader)
    assert run_query("SELECT session_user", pg).rows == ((q.READER_ROLE,),)


def test_statement_timeout(pg: str) -> None:
    with pytest.raises(QueryRefused, match="time limit"):
        run_query("SELECT pg_sleep(5)", pg, timeout_s=0.2)


def test_sqlite_recursive_cte_is_stopped(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/t.db"
    Store.open(db).close()
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    with pytest.raises(QueryRefused, match="time limit"):
        run_query(endless, db, timeout_s=0.3)
    assert run_query("SELECT count(*) FROM runs", db).rows == ((0,),)


def test_parallel_migrations_share_the_reader_role() -> None:
    """Fresh schemas migrated at once (as parallel test sessions do) all get the role."""
    base = os.environ.get("APIGEN_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("APIGEN_TEST_POSTGRES_URL is not set")
    from concurrent.futures import ThreadPoolExecutor

    schemas = [f"apigen_test_{uuid.uuid4().hex[:10]}" for _ in range(4)]
    admin = create_engine(base)
    with admin.begin() as conn:
        for s in schemas:
            conn.execute(text(f'CREATE SCHEMA "{s}"'))
    urls = [
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={s}"})
        .render_as_string(hide_password=False)
        for s in schemas
    ]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: Store.open(u).close(), urls))
        for u in urls:
            assert run_query("SELECT current_user, count(*) FROM runs", u).rows == (
                (q.READER_ROLE, 0),
            )
    finally:
        with admin.begin() as conn:
            for s in schemas:
                conn.execute(text(f'DROP SCHEMA "{s}" CASCADE'))
        admin.dispose()


def test_reader_url_from_the_config_file(
    pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.cli import apigen

    reader = make_url(pg).set(username=q.READER_ROLE).render_as_string(hide_password=False)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"database_url: '{pg}'\nreader_url: '{reader}'\n", encoding="utf-8")
    monkeypatch.delenv("APIGEN_DATABASE_URL", raising=False)
    code, out, err = apigen(capsys, "query", "SELECT session_user", "--config", str(cfg), "--json")
    assert code == 0, err
    assert out.strip().startswith("[") and q.READER_ROLE in out
    # the flag wins over the file: a privileged --reader-url is refused
    code, _, err = apigen(capsys, "query", "SELECT 1", "--config", str(cfg), "--reader-url", pg)
    assert code == 2 and "superuser" in err
