"""Report statistics: failed and invalid-argument calls per tool, parallel-call turns
per trajectory; covering indexes so yield per blueprint, judge agreement, stage order,
verdict reasons, the turn histogram and the new counts read indexes, never the wide
rows. Rows written before this revision count 0 failed/invalid calls and 0 parallel
turns (the columns default to 0).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_T = ("accepted", "ending", "turns", "tool_calls")
_V = ("votes_passed", "votes_total", "parallel_turns")
_TT = ("tool", "accepted", "calls")
_TT_RUN = ("run_id", "tool", "calls", "accepted")
_NEW = ("failed", "invalid_arguments")
_COLUMNS = (
    ("trajectories", "parallel_turns"),
    ("trajectory_tools", "failed"),
    ("trajectory_tools", "invalid_arguments"),
)
# (table, old columns, new columns); an empty old tuple adds an index
_CHANGES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("trajectories", _T, (*_T, *_V)),
    ("trajectories", ("run_id", *_T), ("run_id", *_T, *_V)),
    ("trajectory_tools", _TT, (*_TT, *_NEW)),
    ("trajectory_tools", _TT_RUN, (*_TT_RUN, *_NEW)),
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
    for table, column in _COLUMNS:
        zero = sa.text("0")
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=False, server_default=zero))
    for table, old, new in _CHANGES:
        if old:
            op.drop_index(_name(table, old), table_name=table)
        op.create_index(_name(table, new), table, list(new), unique=False)


def downgrade() -> None:
    for table, old, new in reversed(_CHANGES):
        op.drop_index(_name(table, new), table_name=table)
        if old:
            op.create_index(_name(table, old), table, list(old), unique=False)
    for table, column in reversed(_COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
