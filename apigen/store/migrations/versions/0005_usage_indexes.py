"""Covering indexes for the last two stats queries that read table rows: model usage
per role and model (now one query; the per-role sums are derived from it) and the
verifier funnel (a verdict's position orders the verifiers). The usage indexes put
the item before the sums, so ingest appends to them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUMS = ("calls", "prompt_tokens", "completion_tokens", "cost_usd")
_MORE = ("errors", "retries")
# the item before the sums: a batch appends to each (role, model) range of the index
# instead of inserting at random places (sums first made commits rewrite the index)
_ITEM = ("run_id", "item_index")
# (table, old columns, new columns)
_CHANGES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("llm_usage", ("role", *_SUMS), ("role", "model", *_ITEM, *_SUMS, *_MORE)),
    (
        "llm_usage",
        ("run_id", "role", *_SUMS),
        ("run_id", "role", "model", "item_index", *_SUMS, *_MORE),
    ),
    ("verdicts", ("verifier", "passed"), ("verifier", "passed", "position")),
    (
        "verdicts",
        ("run_id", "passed", "verifier", "reason"),
        ("run_id", "passed", "verifier", "reason", "position"),
    ),
)


def _name(table: str, cols: Sequence[str]) -> str:
    return op.f(f"ix_{table}_{'_'.join(cols)}")


def upgrade() -> None:
    for table, old, new in _CHANGES:
        op.drop_index(_name(table, old), table_name=table)
        op.create_index(_name(table, new), table, list(new), unique=False)


def downgrade() -> None:
    for table, old, new in reversed(_CHANGES):
        op.drop_index(_name(table, new), table_name=table)
        op.create_index(_name(table, old), table, list(old), unique=False)
