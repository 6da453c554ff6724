"""CLI tests on a real database: SQLite, and PostgreSQL with APIGEN_TEST_POSTGRES_URL set."""

from tests.store.conftest import db_url  # noqa: F401  (the fixture, shared with the store tests)
