"""Records to rows: plain dicts for bulk ``executemany`` inserts (no ORM objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import Connection, DateTime, Table, insert

from apigen.store._calls import ArgumentCheck, count_calls
from apigen.store._engine import RawJSON
from apigen.store._records import ItemResult
from apigen.types import Blueprint, Message, StageOutcome, Trajectory, Usage, Verdict, Vote

__all__ = ["Rows", "bulk_insert", "item_rows", "load_messages"]

_MESSAGES = TypeAdapter(tuple[Message, ...])
_VOTES = TypeAdapter(tuple[Vote, ...])
_STRINGS = TypeAdapter(tuple[str, ...])
_STAGES = TypeAdapter(tuple[StageOutcome, ...])
_USAGE = TypeAdapter(dict[str, Usage])
_REASON_CHARS = 300


def load_messages(text: str | bytes) -> tuple[Message, ...]:
    """Messages from the stored JSON text (validated in one pass)."""
    return _MESSAGES.validate_json(text)


def _messages_json(messages: tuple[Message, ...]) -> RawJSON:
    return RawJSON(_MESSAGES.serializer.to_json(messages, exclude_defaults=True).decode())


_EMPTY = RawJSON("[]")


def _raw(adapter: TypeAdapter[Any], value: Any) -> RawJSON:
    """JSON text straight from pydantic-core (the hot path of every write)."""
    if not value:
        return _EMPTY
    return RawJSON(adapter.serializer.to_json(value).decode())


def _json(value: Any) -> RawJSON:
    """Any JSON-compatible value as JSON text (pydantic-core: compact, UTF-8 kept)."""
    return RawJSON(to_json(value).decode())


def _first(reasons: tuple[str, ...]) -> str | None:
    return reasons[0][:_REASON_CHARS] if reasons else None


@dataclass
class Rows:
    """Rows of every table for a batch of items, in insertion order. A JSON column's
    value is already JSON text (:class:`RawJSON`) or ``None``: the builders serialise
    once, straight from pydantic-core, and :func:`bulk_insert` passes text through."""

    items: list[dict[str, Any]] = field(default_factory=list)
    blueprints: list[dict[str, Any]] = field(default_factory=list)
    blueprint_stages: list[dict[str, Any]] = field(default_factory=list)
    trajectories: list[dict[str, Any]] = field(default_factory=list)
    trajectory_tools: list[dict[str, Any]] = field(default_factory=list)
    trajectory_usage: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    llm_usage: list[dict[str, Any]] = field(default_factory=list)


Params = Mapping[str, ArgumentCheck]


def item_rows(item: ItemResult, rows: Rows, params: Params | None = None) -> None:
    """Append the rows of ``item`` to ``rows``; ids are ``<run>:<item>:b<n>`` / ``t<n>``.

    ``params`` (the run's tool parameter schemas by name) is what tool-call arguments
    are checked against (:mod:`apigen.store._calls`); ``None`` checks nothing."""
    run, idx = item.run_id, item.item_index
    now = datetime.now(UTC)
    rows.items.append(
        {
            "run_id": run,
            "item_index": idx,
            "status": item.status,
            "error": item.error,
            "written_at": now,
        }
    )
    keys: dict[str, str] = {}
    for n, bp in enumerate(item.blueprints):
        bid = f"{run}:{idx}:b{n}"
        if bp.id is not None:
            keys.setdefault(bp.id, bid)
        _blueprint_rows(bp, bid, run, idx, n, rows)
    for n, traj in enumerate(item.trajectories):
        bp_row = keys.get(traj.blueprint_id)
        _trajectory_rows(traj, f"{run}:{idx}:t{n}", run, idx, bp_row, rows, params)
    merged: dict[tuple[str, str], Any] = {}
    for ru in item.usage:
        key = (ru.role, ru.model)
        merged[key] = merged[key] + ru.usage if key in merged else ru.usage
    for (role, model), u in merged.items():
        rows.llm_usage.append(
            {
                "run_id": run,
                "item_index": idx,
                "role": role,
                "model": model,
                "calls": u.calls,
                "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens,
                "cost_usd": u.cost_usd,
                "errors": u.errors,
                "retries": u.retries,
            }
        )


def _blueprint_rows(bp: Blueprint, bid: str, run: str, idx: int, pos: int, rows: Rows) -> None:
    report = bp.report
    accepted = report.passed if report is not None else True
    failed = report.failed_stage if report is not None else None
    stages = report.stages if report is not None else ()
    rows.blueprints.append(
        {
            "id": bid,
            "run_id": run,
            "item_index": idx,
            "position": pos,
            "key": bp.id,
            "round": report.round if report else 0,
            "domain": bp.domain,
            "instruction": bp.instruction,
            "fingerprint": bp.fingerprint(),
            "persona": bp.persona,
            "generator": bp.generator,
            "accepted": accepted,
            "failed_stage": failed.stage if failed else None,
            "round_accepted": (report.round if report else 0) if accepted else None,
            "duplicate_of": None,
            "stages": _raw(_STAGES, stages),
            "content": RawJSON(bp.model_dump_json()),
        }
    )
    for pos, s in enumerate(stages):
        rows.blueprint_stages.append(
            {
                "blueprint_id": bid,
                "position": pos,
                "run_id": run,
                "stage": s.stage,
                "passed": s.passed,
                "reason": _first(s.reasons),
                "reasons": _raw(_STRINGS, s.reasons),
                "votes": _raw(_VOTES, s.votes),
            }
        )


def _votes(verdicts: tuple[Verdict, ...]) -> tuple[int, int]:
    cast = [v.passed for verdict in verdicts for v in verdict.votes if v.passed is not None]
    return len(cast), sum(cast)


def _trajectory_rows(
    t: Trajectory,
    tid: str,
    run: str,
    idx: int,
    blueprint_row: str | None,
    rows: Rows,
    params: Params | None,
) -> None:
    calls, parallel = count_calls(t.messages, params)
    total, passed = _votes(t.verdicts)
    costs = [u.cost_usd for u in t.usage.values() if u.cost_usd is not None]
    rows.trajectories.append(
        {
            "id": tid,
            "run_id": run,
            "item_index": idx,
            "blueprint_key": t.blueprint_id,
            "blueprint_id": blueprint_row,
            "domain": t.domain,
            "trial": t.trial,
            "accepted": t.accepted,
            "ending": t.ending[:200],
            "turns": t.turns,
            "tool_calls": t.tool_calls,
            "n_messages": len(t.messages),
            "parallel_turns": parallel,
            "tool_names": _json(sorted(calls)),
            "votes_total": total,
            "votes_passed": passed,
            "prompt_tokens": sum(u.prompt_tokens for u in t.usage.values()),
            "completion_tokens": sum(u.completion_tokens for u in t.usage.values()),
            "cost_usd": sum(costs) if costs else None,
            "duration_s": t.duration_s,
            "messages": _messages_json(t.messages),
            "final_diff": _json(t.final_diff),
            "usage": _raw(_USAGE, t.usage),
        }
    )
    for tool, (n, failed, invalid) in calls.items():
        rows.trajectory_tools.append(
            {
                "trajectory_id": tid,
                "tool": tool,
                "calls": n,
                "run_id": run,
                "accepted": t.accepted,
                "failed": failed,
                "invalid_arguments": invalid,
            }
        )
    for role, u in t.usage.items():
        rows.trajectory_usage.append(
            {
                "trajectory_id": tid,
                "role": role,
                "calls": u.calls,
                "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens,
                "cost_usd": u.cost_usd,
                "errors": u.errors,
            }
        )
    for pos, v in enumerate(t.verdicts):
        rows.verdicts.append(
            {
                "trajectory_id": tid,
                "position": pos,
                "run_id": run,
                "verifier": v.verifier,
                "passed": v.passed,
                "score": v.score,
                "reason": _first(v.reasons),
                "reasons": _raw(_STRINGS, v.reasons),
                "votes": _raw(_VOTES, v.votes),
            }
        )


def _sqlite_datetime(v: Any) -> Any:
    return None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it


def _tuples(table: Table, rows: list[dict[str, Any]], sqlite: bool) -> list[tuple[Any, ...]]:
    """Rows as tuples (in ``rows[0]``'s key order) for the driver. JSON columns already
    hold JSON text (the :class:`Rows` contract); SQLite datetimes become its strings."""
    cols = list(rows[0])
    get = itemgetter(*cols) if len(cols) > 1 else (lambda r: (r[cols[0]],))
    dates = [i for i, c in enumerate(cols) if sqlite and isinstance(table.c[c].type, DateTime)]
    if not dates:
        return [get(r) for r in rows]
    data: list[tuple[Any, ...]] = []
    for r in rows:
        values = list(get(r))
        for i in dates:
            values[i] = _sqlite_datetime(values[i])
        data.append(tuple(values))
    return data


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in bulk.

    SQLite: one driver ``executemany`` of tuples. PostgreSQL: ``COPY ... FROM STDIN``
    on the transaction's connection. Both skip SQLAlchemy's per-row parameter
    processing, which was most of the cost of a write; values are converted as
    SQLAlchemy would store them (JSON as text, SQLite datetimes as its strings).
    """
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in rows[0])
    dialect = conn.dialect.name
    if dialect == "sqlite":
        marks = ", ".join("?" * len(rows[0]))
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        conn.exec_driver_sql(sql, _tuples(table, rows, sqlite=True))
    elif dialect == "postgresql":
        raw: Any = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in _tuples(table, rows, sqlite=False):
                copy.write_row(row)
    else:
        conn.execute(insert(table), rows)
