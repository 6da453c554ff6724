"""Reading trajectories back: filters in SQL, one streamed query in batches, records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, Text, and_, cast, exists, select
from sqlalchemy.sql.elements import ColumnElement

from apigen.store._models import TRAJECTORIES, TRAJECTORY_TOOLS, VERDICTS
from apigen.store._records import TrajectoryFilter
from apigen.store._rows import load_messages
from apigen.types import Trajectory, Usage, Verdict, Vote

__all__ = ["iter_batches", "to_trajectories", "where"]

T = TRAJECTORIES


def where(f: TrajectoryFilter) -> list[ColumnElement[bool]]:
    """SQL conditions on ``trajectories`` for filter ``f``."""
    conds: list[ColumnElement[bool]] = []
    if f.run_id is not None:
        conds.append(T.c.run_id == f.run_id)
    if f.domain is not None:
        conds.append(T.c.domain == f.domain)
    if f.accepted_only:
        conds.append(T.c.accepted.is_(True))
    if f.min_turns is not None:
        conds.append(T.c.turns >= f.min_turns)
    if f.max_turns is not None:
        conds.append(T.c.turns <= f.max_turns)
    if f.tool is not None:
        tt = TRAJECTORY_TOOLS
        conds.append(exists().where(and_(tt.c.trajectory_id == T.c.id, tt.c.tool == f.tool)))
    if f.min_judge_agreement is not None:
        conds.append(T.c.votes_total > 0)
        conds.append(T.c.votes_passed >= f.min_judge_agreement * T.c.votes_total)
    return conds


def iter_batches(
    engine: Engine, f: TrajectoryFilter, columns: Sequence[str], batch: int = 1000
) -> Iterator[list[dict[str, Any]]]:
    """Trajectory rows matching ``f`` in id order, ``batch`` at a time (memory stays flat).

    One streamed query (a server-side cursor on PostgreSQL), so the filter is
    evaluated once. ``messages`` comes back as JSON text for one-pass validation.
    """
    cols = [
        cast(T.c.messages, Text).label("messages") if c == "messages" else T.c[c] for c in columns
    ]
    stmt = select(*cols).where(*where(f)).order_by(T.c.id)
    if f.limit is not None:
        stmt = stmt.limit(f.limit)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(stmt)
        for part in result.partitions():
            yield [dict(r._mapping) for r in part]


def _verdicts(engine: Engine, ids: list[str]) -> dict[str, list[Verdict]]:
    v = VERDICTS
    stmt = select(v).where(v.c.trajectory_id.in_(ids)).order_by(v.c.trajectory_id, v.c.position)
    out: dict[str, list[Verdict]] = defaultdict(list)
    with engine.connect() as conn:
        for r in conn.execute(stmt):
            out[r.trajectory_id].append(
                Verdict(
                    verifier=r.verifier,
                    passed=r.passed,
                    score=r.score,
                    reasons=tuple(r.reasons),
                    votes=tuple(Vote(**x) for x in r.votes),
                )
            )
    return out


READ_COLUMNS = (
    "id",
    "blueprint_key",
    "domain",
    "trial",
    "messages",
    "final_diff",
    "accepted",
    "ending",
    "turns",
    "tool_calls",
    "usage",
    "duration_s",
)


def to_trajectories(engine: Engine, rows: list[dict[str, Any]]) -> list[Trajectory]:
    """Rows selected with ``READ_COLUMNS`` as :class:`Trajectory` records with verdicts."""
    verdicts = _verdicts(engine, [r["id"] for r in rows])
    return [
        Trajectory(
            id=r["id"],
            blueprint_id=r["blueprint_key"],
            domain=r["domain"],
            trial=r["trial"],
            messages=load_messages(r["messages"]),
            final_diff=r["final_diff"],
            verdicts=tuple(verdicts.get(r["id"], ())),
            accepted=r["accepted"],
            ending=r["ending"],
            turns=r["turns"],
            tool_calls=r["tool_calls"],
            usage={k: Usage(**u) for k, u in (r["usage"] or {}).items()},  # empty is stored as []
            duration_s=r["duration_s"],
        )
        for r in rows
    ]
