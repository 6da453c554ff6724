"""Alembic environment: runs on the connection the store hands over (no alembic.ini).

``apigen.store`` calls ``alembic upgrade head`` through the API with
``config.attributes["connection"]`` set; offline (SQL script) mode is not used.
"""

from __future__ import annotations

from alembic import context

from apigen.store._models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("apigen migrations run through apigen.store (Store.open), not the CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
