"""Store tests run on SQLite and, with APIGEN_TEST_POSTGRES_URL set, on PostgreSQL.

Each PostgreSQL test gets a fresh schema (via ``search_path``), dropped afterwards,
so several test sessions can share one database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from apigen.env import register_domain
from apigen.store import Store, scratch_schema
from tests.support.toy import DOMAIN

PG_ENV = "APIGEN_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _toy_domain() -> None:
    register_domain(DOMAIN)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A database URL for one test: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    with scratch_schema(base, prefix="apigen_test") as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as s:
        yield s
