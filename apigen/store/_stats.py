"""Curation statistics as SQL aggregates (no Python loops over trajectories)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Select, cast, func, select

from apigen.diversity import Diversity, measure
from apigen.errors import UnknownNameError
from apigen.store import _models as m
from apigen.store._records import (
    Bin,
    Count,
    FunnelStep,
    ModelUse,
    RoleCost,
    StageCount,
    Stats,
    ToolUse,
)

__all__ = ["compute_stats"]

TOP_REASONS = 5

IT, B, S = m.ITEMS, m.BLUEPRINTS, m.STAGES
T, V, TT = m.TRAJECTORIES, m.VERDICTS, m.TRAJECTORY_TOOLS
TU, U, R = m.TRAJECTORY_USAGE, m.LLM_USAGE, m.RUNS


def _n(col: Any) -> Any:
    """SUM of a boolean column as an integer on both engines."""
    return func.coalesce(func.sum(cast(col, Integer)), 0)


def _run(stmt: Select[Any], col: Any, run_id: str | None) -> Select[Any]:
    return stmt if run_id is None else stmt.where(col == run_id)


def _examples(conn: Connection, ident: Any, stmt: Select[Any], where: list[Any]) -> tuple[str, ...]:
    """Two example ids of the rows of ``stmt`` matching ``where``: the first two the
    index finds (reading two rows, not every matching row, keeps stats fast)."""
    q = stmt.add_columns(ident).where(*where).limit(2)
    return tuple(conn.scalars(q))


def _is(col: Any, value: Any) -> Any:
    return col.is_(None) if value is None else col == value


def _top(
    conn: Connection,
    group: Any,
    reason: Any,
    ident: Any,
    stmt: Select[Any],
    order: Any = None,
) -> list[StageCount]:
    """Top reasons per group via a window function over grouped counts (an index
    scan), each with two example ``ident``s; groups in the order of ``order``'s mean
    (a stage's position in its report), else by name."""
    n = func.count().label("n")
    rank = func.row_number().over(partition_by=group, order_by=(func.count().desc(), reason))
    inner = stmt.add_columns(group.label("g"), reason.label("r"), n, rank.label("rk"))
    sub = inner.group_by(group, reason).subquery()
    rows = conn.execute(select(sub.c.g, sub.c.r, sub.c.n).where(sub.c.rk <= TOP_REASONS)).all()
    reasons: dict[str, list[Count]] = {}
    for g, r, k in sorted(rows, key=lambda x: (x[0], -x[2], x[1] or "")):
        ids = _examples(conn, ident, stmt, [group == g, _is(reason, r)])
        label = r or "(no reason given)"
        reasons.setdefault(g, []).append(Count(label=label, count=k, examples=ids))
    rank_by = func.avg(order) if order is not None else func.min(group)
    totals_stmt = stmt.add_columns(group, func.count(), rank_by).group_by(group)
    totals = {g: (k, r) for g, k, r in conn.execute(totals_stmt)}
    return [
        StageCount(stage=g, failed=totals[g][0], reasons=tuple(reasons.get(g, ())))
        for g in sorted(totals, key=lambda g: (totals[g][1], g))
    ]


def compute_stats(engine: Engine, run_id: str | None, *, workers: int = 3) -> Stats:
    """Everything :class:`Stats` holds, for one run or the whole database.

    The independent aggregates run on ``workers`` connections at once (both SQLite
    and PostgreSQL execute them without holding the GIL).
    """
    jobs: dict[str, Callable[[Connection, str | None], Any]] = {
        "tools": _tools,
        "funnel": _funnel,
        "blueprint_rejections": lambda c, r: _top(
            c, S.c.stage, S.c.reason, S.c.blueprint_id, _failed(S, r), S.c.position
        ),
        "verdict_rejections": lambda c, r: _top(
            c, V.c.verifier, V.c.reason, V.c.trajectory_id, _failed(V, r)
        ),
        "blueprint_yield": _yield,
        "judge_agreement": _agreement,
        "endings": _endings,
        "parallel": _parallel,
        "models": _usage_and_roles,
        "wall": _wall,
        "diversity": _diversity,
        "turns": lambda c, r: _hist(c, T.c.turns, r),
        "tool_calls": lambda c, r: _hist(c, T.c.tool_calls, r),
    }

    def run(job: Callable[[Connection, str | None], Any]) -> Any:
        with engine.connect() as conn:
            return job(conn, run_id)

    with ThreadPoolExecutor(workers) as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        out = {name: f.result() for name, f in futures.items()}
    models, roles = out["models"]
    funnel: list[FunnelStep] = out["funnel"]
    accepted = next(f.passed for f in funnel if f.step == "episodes")
    tools, unused = out["tools"]
    return Stats(
        run_id=run_id,
        funnel=tuple(funnel),
        blueprint_rejections=tuple(out["blueprint_rejections"]),
        verdict_rejections=tuple(out["verdict_rejections"]),
        endings=tuple(out["endings"]),
        tools=tuple(tools),
        tools_unused=tuple(unused),
        turns=tuple(out["turns"]),
        tool_calls=tuple(out["tool_calls"]),
        blueprint_yield=tuple(out["blueprint_yield"]),
        judge_agreement=out["judge_agreement"],
        parallel_episodes=out["parallel"][0],
        parallel_accepted=out["parallel"][1],
        models=tuple(models),
        wall_time_s=out["wall"],
        diversity=out["diversity"],
        **_costs(roles, accepted),
    )


def _failed(table: Any, run_id: str | None) -> Select[Any]:
    return _run(
        select().select_from(table).where(table.c.passed.is_(False)), table.c.run_id, run_id
    )


def _funnel(conn: Connection, run_id: str | None) -> list[FunnelStep]:
    items = conn.execute(
        _run(select(func.count(), _n(IT.c.status == "done")), IT.c.run_id, run_id)
    ).one()
    drafts = conn.execute(_run(select(func.count(), _n(B.c.accepted)), B.c.run_id, run_id)).one()
    # Stages are ordered as the records ran them: by their mean position in a report.
    stage_q = select(S.c.stage, func.count(), _n(S.c.passed), func.avg(S.c.position))
    stage_q = stage_q.group_by(S.c.stage)
    stages = {s: (k, p, at) for s, k, p, at in conn.execute(_run(stage_q, S.c.run_id, run_id))}
    episodes = conn.execute(_run(select(func.count(), _n(T.c.accepted)), T.c.run_id, run_id)).one()
    # verifiers in the order they ran (their mean position in an episode's verdicts)
    ver_cols = (V.c.verifier, func.count(), _n(V.c.passed), func.avg(V.c.position))
    ver_q = _run(select(*ver_cols), V.c.run_id, run_id)
    ver_q = ver_q.where(V.c.verifier != "failed_by")  # the attribution, not a check
    verifiers = conn.execute(ver_q.group_by(V.c.verifier)).all()
    items_, drafts_, eps = "work items", "blueprint drafts", "episodes"
    return [
        FunnelStep(
            step="contexts sampled (work items)",
            entered=items[0],
            passed=items[1],
            phase="work items",
            unit=items_,
        ),
        FunnelStep(
            step="blueprint drafts",
            entered=drafts[0],
            passed=drafts[1],
            phase="phase 1",
            unit=drafts_,
        ),
        *(
            FunnelStep(
                step=f"stage: {s}",
                entered=stages[s][0],
                passed=stages[s][1],
                phase="phase 1",
                unit=drafts_,
            )
            for s in sorted(stages, key=lambda s: (stages[s][2], s))
        ),
        FunnelStep(
            step="episodes", entered=episodes[0], passed=episodes[1], phase="phase 2", unit=eps
        ),
        *(
            FunnelStep(step=f"verifier: {v}", entered=k, passed=p, phase="phase 2", unit=eps)
            for v, k, p, _ in sorted(verifiers, key=lambda x: (x[3], x[0]))
        ),
    ]


def _endings(conn: Connection, run_id: str | None) -> list[Count]:
    rejected = _run(select().select_from(T).where(T.c.accepted.is_(False)), T.c.run_id, run_id)
    q = rejected.add_columns(T.c.ending, func.count()).group_by(T.c.ending)
    q = q.order_by(func.count().desc(), T.c.ending).limit(10)
    return [
        Count(label=e, count=k, examples=_examples(conn, T.c.id, rejected, [T.c.ending == e]))
        for e, k in conn.execute(q).all()
    ]


def _yield(conn: Connection, run_id: str | None) -> list[Bin]:
    """Blueprints by how many of their trials were accepted."""
    per = _run(select(_n(T.c.accepted).label("k")), T.c.run_id, run_id)
    per_bp = per.group_by(T.c.run_id, T.c.blueprint_key).subquery()
    q = select(per_bp.c.k, func.count()).group_by(per_bp.c.k).order_by(per_bp.c.k)
    return [Bin(value=int(k), count=n, accepted=n if k else 0) for k, n in conn.execute(q)]


def _agreement(conn: Connection, run_id: str | None) -> float | None:
    q = _run(select(func.sum(T.c.votes_passed), func.sum(T.c.votes_total)), T.c.run_id, run_id)
    passed, total = conn.execute(q).one()
    return round(int(passed) / int(total), 4) if total else None


def _parallel(conn: Connection, run_id: str | None) -> tuple[int, int]:
    """Episodes with a parallel-call turn, and how many of them were accepted."""
    cond = T.c.parallel_turns > 0
    q = _run(select(_n(cond), _n(cond & T.c.accepted)), T.c.run_id, run_id)
    both, accepted = conn.execute(q).one()
    return int(both), int(accepted)


def _usage(conn: Connection, run_id: str | None) -> list[ModelUse]:
    """Usage sums per role and model (one covering-index scan); roles are derived
    from it (:func:`_role_rows`)."""
    cols = (U.c.calls, U.c.prompt_tokens, U.c.completion_tokens, U.c.errors, U.c.retries)
    sums = [func.sum(c) for c in cols]
    q = _run(select(U.c.role, U.c.model, *sums, func.sum(U.c.cost_usd)), U.c.run_id, run_id)
    q = q.group_by(U.c.role, U.c.model).order_by(U.c.role, func.sum(U.c.calls).desc())
    return [
        ModelUse(
            role=r,
            model=mo,
            calls=int(c or 0),
            prompt_tokens=int(p or 0),
            completion_tokens=int(k or 0),
            errors=int(e or 0),
            retries=int(t or 0),
            cost_usd=cost,
        )
        for r, mo, c, p, k, e, t, cost in conn.execute(q)
    ]


def _wall(conn: Connection, run_id: str | None) -> float | None:
    now = datetime.now(UTC)
    total = None
    for start, end in conn.execute(_run(select(R.c.started_at, R.c.ended_at), R.c.id, run_id)):
        began, ended = _aware(start) or now, _aware(end) or now
        total = (total or 0.0) + max((ended - began).total_seconds(), 0.0)
    return total


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _tools(conn: Connection, run_id: str | None) -> tuple[list[ToolUse], list[str]]:
    """Tool usage, and the tools the runs offered that nobody called."""
    sums = (func.sum(TT.c.calls), _n(TT.c.accepted), func.sum(TT.c.failed))
    q = select(TT.c.tool, func.count(), *sums, func.sum(TT.c.invalid_arguments))
    q = _run(q, TT.c.run_id, run_id).group_by(TT.c.tool).order_by(func.count().desc(), TT.c.tool)
    used = [
        ToolUse(
            tool=t,
            trajectories=k,
            calls=int(c),
            accepted_trajectories=int(a),
            failed=int(f or 0),
            invalid_arguments=int(i or 0),
        )
        for t, k, c, a, f, i in conn.execute(q)
    ]
    offered: set[str] = set()
    for tools in conn.scalars(_run(select(R.c.tools), R.c.id, run_id)):
        offered.update(t["function"]["name"] for t in tools or ())
    return used, sorted(offered - {t.tool for t in used})


def _write_tools(domains: set[str]) -> tuple[set[str], set[str]] | None:
    """(write tools, every tool) of the registered ``domains``; ``None`` if one is unknown."""
    from apigen.env import get_domain

    writes: set[str] = set()
    offered: set[str] = set()
    try:
        for name in domains:
            tools = get_domain(name).tools
            writes |= {t.name for t in tools if t.kind == "write"}
            offered |= {t.name for t in tools}
    except UnknownNameError:
        return None
    return writes, offered


DIVERSITY_SAMPLE = 2_000
"""Diversity is measured on at most this many accepted blueprints (the first in item
order; ``Diversity.blueprints`` says how many): shingling is pure Python, and stats
must stay fast on large databases."""


def _diversity(conn: Connection, run_id: str | None) -> Diversity | None:
    """Diversity of the first :data:`DIVERSITY_SAMPLE` accepted blueprints (in item
    order); ``None`` when there are none."""
    actions_json = B.c.content["actions"]  # only the actions are parsed, not the record
    q = _run(select(B.c.domain, B.c.instruction, actions_json), B.c.run_id, run_id)
    q = q.where(B.c.accepted).order_by(B.c.run_id, B.c.item_index).limit(DIVERSITY_SAMPLE)
    rows = conn.execute(q).all()
    if not rows:
        return None
    actions = [[str(a["name"]) for a in acts or ()] for _, _, acts in rows]
    tools = _write_tools({d for d, _, _ in rows})
    writes, offered = tools if tools is not None else (None, set())
    sequences = [[a for a in acts if writes is None or a in writes] for acts in actions]
    return measure(
        [i for _, i, _ in rows], sequences, {a for acts in actions for a in acts}, offered
    )


def _hist(conn: Connection, col: Any, run_id: str | None) -> list[Bin]:
    q = _run(select(col, func.count(), _n(T.c.accepted)), T.c.run_id, run_id)
    q = q.group_by(col).order_by(col)
    return [Bin(value=v, count=k, accepted=int(a)) for v, k, a in conn.execute(q)]


def _usage_and_roles(conn: Connection, run_id: str | None) -> tuple[list[ModelUse], list[Any]]:
    usage = _usage(conn, run_id)
    return usage, _role_rows(conn, run_id, usage)


def _role_rows(conn: Connection, run_id: str | None, models: list[ModelUse]) -> list[Any]:
    """Usage sums per role: from ``models`` (``llm_usage``: all phases), else the
    episodes' own usage."""
    if models:
        per: dict[str, list[Any]] = {}
        for u in models:
            row = per.setdefault(u.role, [u.role, 0, 0, 0, None])
            row[1] += u.calls
            row[2] += u.prompt_tokens
            row[3] += u.completion_tokens
            if u.cost_usd is not None:
                row[4] = (row[4] or 0.0) + u.cost_usd
        return [tuple(per[r]) for r in sorted(per)]
    sums = (
        func.sum(TU.c.calls),
        func.sum(TU.c.prompt_tokens),
        func.sum(TU.c.completion_tokens),
        func.sum(TU.c.cost_usd),
    )
    q: Select[Any] = select(TU.c.role, *sums).join(T, T.c.id == TU.c.trajectory_id)
    return list(conn.execute(_run(q, T.c.run_id, run_id).group_by(TU.c.role).order_by(TU.c.role)))


def _costs(rows: list[Any], accepted: int) -> dict[str, Any]:
    def per(x: float | int | None) -> float | None:
        return None if x is None or accepted == 0 else x / accepted

    roles = [
        RoleCost(
            role=role,
            calls=int(calls or 0),
            prompt_tokens=int(p or 0),
            completion_tokens=int(c or 0),
            cost_usd=cost,
            tokens_per_accepted=per(int(p or 0) + int(c or 0)),
            cost_per_accepted=per(cost),
        )
        for role, calls, p, c, cost in rows
    ]
    costs = [r.cost_usd for r in roles if r.cost_usd is not None]
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in roles)
    return {
        "roles": tuple(roles),
        "accepted": accepted,
        "cost_per_accepted": per(sum(costs)) if costs else None,
        "tokens_per_accepted": per(tokens) if roles else None,
    }
