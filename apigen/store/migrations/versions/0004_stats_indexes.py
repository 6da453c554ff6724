"""Covering indexes for the newer statistics: yield per blueprint, judge agreement,
stage order, verdict reasons and the turn histogram read indexes, never the wide rows.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_T = ("accepted", "ending", "turns", "tool_calls")
# (table, old columns, new columns); an empty old tuple adds an index
_CHANGES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("trajectories", _T, (*_T, "votes_passed", "votes_total")),
    ("trajectories", ("run_id", *_T), ("run_id", *_T, "votes_passed", "votes_total")),
    ("trajectories", ("turns",), ("turns", "accepted")),
    ("trajectories", (), ("run_id", "blueprint_key", "accepted")),
    ("blueprint_stages", ("stage", "passed"), ("stage", "passed", "position")),
    ("blueprint_stages", ("passed", "stage", "reason"), ("passed", "stage", "reason", "position")),
    (
        "blueprint_stages",
        ("run_id", "stage", "passed"),
        ("run_id", "passed", "stage", "reason", "position"),
    ),
    ("verdicts", (), ("passed", "verifier", "reason")),
    ("verdicts", ("run_id", "verifier", "passed"), ("run_id", "passed", "verifier", "reason")),
)


def _name(table: str, cols: Sequence[str]) -> str:
    return op.f(f"ix_{table}_{'_'.join(cols)}")


def upgrade() -> None:
    for table, old, new in _CHANGES:
        if old:
            op.drop_index(_name(table, old), table_name=table)
        op.create_index(_name(table, new), table, list(new), unique=False)


def downgrade() -> None:
    for table, old, new in reversed(_CHANGES):
        op.drop_index(_name(table, new), table_name=table)
        if old:
            op.create_index(_name(table, old), table, list(old), unique=False)
