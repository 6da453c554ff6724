"""PostgreSQL: the read-only login ``apigen_reader`` that ``apigen query`` connects as.

Created (``LOGIN``, no password, no attributes, member of nothing) when the migrating
user may create roles, and granted ``USAGE`` on the store's schema plus ``SELECT``
on its tables, now and for tables this user creates later. Nothing happens on
SQLite, or when the migrating user may not create roles: ``apigen query`` then
needs ``--reader-url`` (see ``apigen.store._query``). Roles are cluster-wide, so
creation tolerates another session creating the role at the same moment.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "apigen_reader"

_CREATE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER}') THEN
    CREATE ROLE {READER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
      NOBYPASSRLS NOINHERIT CONNECTION LIMIT 32;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;  -- another session created it first
END $$
"""

_GRANT = f"""
DO $$
DECLARE s text := current_schema();
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO {READER}', s);
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO {READER}', s);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO {READER}', s);
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'apigen: cannot grant % read access to schema %', '{READER}', s;
END $$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    may = bind.exec_driver_sql(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if (
        not may
        and not bind.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{READER}'").scalar()
    ):
        return
    if may:
        op.execute(_CREATE)
    op.execute(_GRANT)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(
        f"""
DO $$
DECLARE s text := current_schema();
BEGIN
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE SELECT ON TABLES FROM {READER}', s);
  EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA %I FROM {READER}', s);
  EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {READER}', s);
EXCEPTION WHEN undefined_object OR insufficient_privilege THEN
  NULL;
END $$
"""
    )
