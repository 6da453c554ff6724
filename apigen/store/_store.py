"""The :class:`Store`: runs, idempotent per-item writes, reads, and curation entry points."""

from __future__ import annotations

import functools
import os
import subprocess
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine, Integer, Text, and_, cast, delete, func, insert, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError

import apigen
from apigen.errors import ConfigError, UnknownNameError
from apigen.safety import MAX_ITEMS, MAX_SEED
from apigen.store import _models as m
from apigen.store._calls import parameters_by_tool
from apigen.store._engine import (
    create_store_engine,
    current_revision,
    head_revision,
    resolve_url,
    safe_url,
    upgrade_to_head,
)
from apigen.store._read import READ_COLUMNS, iter_batches, to_trajectories
from apigen.store._records import (
    ItemResult,
    RoleUsage,
    RunInfo,
    RunStatus,
    Stats,
    TrajectoryFilter,
)
from apigen.store._redact import redact_config, redact_text
from apigen.store._rows import Params, Rows, bulk_insert, item_rows
from apigen.types import Blueprint, Trajectory, Usage

if TYPE_CHECKING:
    from apigen.export import ExportOptions, ExportResult

__all__ = ["Store"]

# Children first: deleting an item's rows in this order needs no cascades.
_ITEM_TABLES = (m.TRAJECTORIES, m.BLUEPRINTS, m.LLM_USAGE, m.ITEMS)
_INSERT_ORDER = (
    "items",
    "blueprints",
    "blueprint_stages",
    "trajectories",
    "trajectory_tools",
    "trajectory_usage",
    "verdicts",
    "llm_usage",
)


@functools.cache
def code_version() -> str:
    """``apigen.__version__``, plus ``+g<sha>`` when the package sits in a git checkout."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=Path(apigen.__file__).parent,
            capture_output=True,
            text=True,
            timeout=2,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{apigen.__version__}+g{sha}" if sha else apigen.__version__


def _open_read_only(engine: Engine, url: URL) -> Engine:
    """``engine`` when the database is apigen's at the newest schema; a writable engine
    after upgrading an older apigen database; :class:`ConfigError` otherwise."""
    found = current_revision(engine)
    where = safe_url(url)
    if found is None:
        engine.dispose()
        raise ConfigError(f"{where} is not an apigen database (no apigen tables)", field="--db")
    if found == head_revision():
        return engine
    engine.dispose()
    if url.get_backend_name() == "sqlite" and not os.access(url.database or "", os.W_OK):
        raise ConfigError(
            f"{where} has schema {found} and this apigen needs {head_revision()}; open it "
            "once where it can be written (any apigen command upgrades it)",
            field="--db",
        )
    writable = create_store_engine(url)
    upgrade_to_head(writable)
    return writable


class Store:
    """A results database (SQLite file or PostgreSQL), migrated to head on open.

    Thread-safe; share one per process. Close it (or use ``with``) when done.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._params: dict[str, Params | None] = {}  # run id -> its tools' parameters

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        migrate: bool = True,
        create: bool = True,
        read_only: bool = False,
    ) -> Store:
        """Open ``url`` (see :func:`resolve_url`) and upgrade its schema to head.

        ``create=False`` refuses to create a missing SQLite file. ``read_only`` (the
        curation commands) also never creates tables in, or changes the journal mode
        of, a database that is not apigen's (:class:`ConfigError` instead); a SQLite
        file is opened read-only (and immutable in a read-only directory). An apigen
        database behind the newest schema is upgraded when it can be written.
        A database that cannot be reached or is not a database raises
        :class:`ConfigError` naming the URL with its password hidden.
        """
        resolved = resolve_url(url)
        sqlite = resolved.get_backend_name() == "sqlite"
        if (read_only or not create) and sqlite:
            path = Path(resolved.database or "")
            if not path.is_file():
                raise ConfigError(f"no database at {path.resolve()}", field="--db")
        engine = create_store_engine(resolved, read_only=read_only and sqlite)
        try:
            if read_only:
                engine = _open_read_only(engine, resolved)
            elif migrate:
                upgrade_to_head(engine)
            else:
                engine.connect().close()
        except DatabaseError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            where = safe_url(resolved)
            raise ConfigError(f"cannot open {where}: {redact_text(reason)}", field="--db") from None
        return cls(engine)

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return safe_url(self._engine.url)

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs -------------------------------------------------------------------------

    def start_run(
        self,
        config: Mapping[str, Any],
        *,
        domain: str,
        seed: int = 0,
        planned_items: int = 0,
        run_id: str | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        policy: str | None = None,
    ) -> RunInfo:
        """Record a new run (status ``running``); ``config`` is stored with secrets redacted.

        ``seed`` and ``planned_items`` outside ``0..MAX_SEED`` / ``0..MAX_ITEMS``
        (:mod:`apigen.safety`) raise :class:`ConfigError` before anything is written.

        ``tools``/``policy`` default to the registered domain's, snapshotted so exports
        stay reproducible when the domain changes later.
        """
        if tools is None or policy is None:
            try:
                from apigen.env import get_domain

                d = get_domain(domain)
                tools = [t.schema for t in d.tools] if tools is None else tools
                policy = d.policy if policy is None else policy
            except (UnknownNameError, ImportError):
                pass
        if not 0 <= seed <= MAX_SEED:
            raise ConfigError(f"must be between 0 and {MAX_SEED}", field="seed")
        if not 0 <= planned_items <= MAX_ITEMS:
            raise ConfigError(f"must be between 0 and {MAX_ITEMS:,}", field="n")
        rid = run_id or f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        row = {
            "id": rid,
            "status": "running",
            "domain": domain,
            "seed": seed,
            "config": redact_config(dict(config)),
            "code_version": code_version(),
            "planned_items": planned_items,
            "policy": policy,
            "tools": list(tools) if tools is not None else None,
            "started_at": datetime.now(UTC),
            "ended_at": None,
        }
        with self._engine.begin() as conn:
            conn.execute(insert(m.RUNS), [row])
        return self.get_run(rid)

    def resume_run(self, run_id: str) -> RunInfo:
        """Mark an existing run ``running`` again; :meth:`missing_items` says what is left."""
        self._set_status(run_id, "running", ended=False)
        return self.get_run(run_id)

    def finish_run(self, run_id: str, status: RunStatus = "completed") -> RunInfo:
        """Set the run's final status and end time."""
        self._set_status(run_id, status, ended=True)
        return self.get_run(run_id)

    def _set_status(self, run_id: str, status: str, *, ended: bool) -> None:
        end = datetime.now(UTC) if ended else None
        stmt = update(m.RUNS).where(m.RUNS.c.id == run_id)
        with self._engine.begin() as conn:
            if conn.execute(stmt.values(status=status, ended_at=end)).rowcount == 0:
                raise ConfigError(f"no run {run_id!r} in {self.url}", field="--run")

    def get_run(self, run_id: str) -> RunInfo:
        """One run; :class:`ConfigError` if it does not exist."""
        found = self.runs(run_id)
        if not found:
            raise ConfigError(f"no run {run_id!r} in {self.url}", field="--run")
        return found[0]

    def runs(self, run_id: str | None = None) -> list[RunInfo]:
        """All runs (or one), newest first, with item and trajectory counts."""
        r, i, t = m.RUNS, m.ITEMS, m.TRAJECTORIES
        q_runs = select(r).order_by(r.c.started_at.desc(), r.c.id)
        q_items = select(i.c.run_id, i.c.status, func.count()).group_by(i.c.run_id, i.c.status)
        acc = func.sum(t.c.accepted.cast(Integer))
        q_traj = select(t.c.run_id, func.count(), acc).group_by(t.c.run_id)
        if run_id is not None:
            q_runs, q_items = q_runs.where(r.c.id == run_id), q_items.where(i.c.run_id == run_id)
            q_traj = q_traj.where(t.c.run_id == run_id)
        with self._engine.connect() as conn:
            runs = conn.execute(q_runs).all()
            items = {(a, b): n for a, b, n in conn.execute(q_items)}
            trajs = {a: (n, int(k or 0)) for a, n, k in conn.execute(q_traj)}
        return [
            RunInfo(
                id=x.id,
                status=x.status,
                domain=x.domain,
                seed=x.seed,
                code_version=x.code_version,
                started_at=_utc(x.started_at),
                ended_at=_utc(x.ended_at),
                planned_items=x.planned_items,
                items_done=items.get((x.id, "done"), 0),
                items_failed=items.get((x.id, "failed"), 0),
                trajectories=trajs.get(x.id, (0, 0))[0],
                accepted=trajs.get(x.id, (0, 0))[1],
                config=x.config,
            )
            for x in runs
        ]

    def missing_items(self, run_id: str) -> list[int]:
        """Item indexes in ``range(planned_items)`` without a ``done`` row (failed included)."""
        planned = self.get_run(run_id).planned_items
        i = m.ITEMS
        stmt = select(i.c.item_index).where(i.c.run_id == run_id, i.c.status == "done")
        with self._engine.connect() as conn:
            done = set(conn.scalars(stmt))
        return [k for k in range(planned) if k not in done]

    # -- writes -----------------------------------------------------------------------

    def write_item(
        self,
        run_id: str,
        item_index: int,
        *,
        blueprints: Sequence[Blueprint] = (),
        trajectories: Sequence[Trajectory] = (),
        usage: Mapping[str, Usage] | Sequence[RoleUsage] = (),
        status: Literal["done", "failed"] = "done",
        error: str | None = None,
    ) -> None:
        """Write one work item's results in one transaction (see :meth:`write_items`).

        ``usage`` is per role (``{"generator": Usage(...)}``) or per role and model.
        """
        if isinstance(usage, Mapping):
            usage = [RoleUsage(role=k, usage=u) for k, u in usage.items()]
        item = ItemResult(
            run_id=run_id,
            item_index=item_index,
            blueprints=tuple(blueprints),
            trajectories=tuple(trajectories),
            usage=tuple(usage),
            status=status,
            error=error,
        )
        self.write_items([item])

    def write_items(self, items: Sequence[ItemResult]) -> None:
        """Write many items in ONE transaction with bulk inserts.

        Idempotent by ``(run_id, item_index)``: writing an item again REPLACES its
        earlier rows atomically (last write wins), so a retried item never duplicates.
        An unknown ``run_id`` raises :class:`ConfigError` and nothing is written.
        """
        latest = {(it.run_id, it.item_index): it for it in items}
        params = self._tool_parameters({run for run, _ in latest})
        rows = Rows()
        for it in latest.values():
            item_rows(it, rows, params.get(it.run_id))
        by_run: dict[str, list[int]] = {}
        for run, idx in latest:
            by_run.setdefault(run, []).append(idx)
        with self._engine.connect() as conn:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                known = set(conn.scalars(select(m.RUNS.c.id).where(m.RUNS.c.id.in_(by_run))))
                if unknown := sorted(set(by_run) - known):
                    raise ConfigError(f"no run {unknown[0]!r}: start_run first", field="run_id")
                if conn.dialect.name == "postgresql":
                    _lock_items(conn, sorted(f"{r}:{k}" for r, k in latest))
                i = m.ITEMS
                for run, idxs in by_run.items():
                    q = select(i.c.item_index).where(i.c.run_id == run, i.c.item_index.in_(idxs))
                    existing = list(conn.scalars(q))
                    for tbl in _ITEM_TABLES if existing else ():
                        cond = and_(tbl.c.run_id == run, tbl.c.item_index.in_(existing))
                        conn.execute(delete(tbl).where(cond))
                for name in _INSERT_ORDER:
                    bulk_insert(conn, m.Base.metadata.tables[name], getattr(rows, name))
                dups = [b["id"] for b in rows.blueprints if b["failed_stage"] == "dedup"]
                if dups:
                    _link_duplicates(conn, dups)

    def _tool_parameters(self, run_ids: set[str]) -> dict[str, Params | None]:
        """The runs' tool parameter schemas by name (a run's snapshot never changes)."""
        if missing := run_ids - self._params.keys():
            r = m.RUNS
            with self._engine.connect() as conn:
                for rid, tools in conn.execute(
                    select(r.c.id, r.c.tools).where(r.c.id.in_(missing))
                ):
                    self._params[rid] = parameters_by_tool(tools) if tools is not None else None
        return {rid: self._params.get(rid) for rid in run_ids}

    # -- reads ------------------------------------------------------------------------

    def trajectories(
        self, where: TrajectoryFilter | None = None, *, batch: int = 500
    ) -> Iterator[Trajectory]:
        """Stored trajectories (all, by default) in id order, with their verdicts."""
        f = where or TrajectoryFilter(accepted_only=False)
        for rows in iter_batches(self._engine, f, READ_COLUMNS, batch):
            yield from to_trajectories(self._engine, rows)

    def blueprints(self, run_id: str, item_index: int | None = None) -> list[Blueprint]:
        """Stored blueprints of a run (or one item), as written."""
        b = m.BLUEPRINTS
        stmt = (
            select(b.c.content).where(b.c.run_id == run_id).order_by(b.c.item_index, b.c.position)
        )
        if item_index is not None:
            stmt = stmt.where(b.c.item_index == item_index)
        with self._engine.connect() as conn:
            return [Blueprint.model_validate(c) for c in conn.scalars(stmt)]

    def accepted_blueprints(
        self, run_id: str | None = None, *, below: int | None = None
    ) -> list[Blueprint]:
        """Accepted blueprints of a run (or of every run, oldest run first), one per
        fingerprint: the first stored wins; ``below`` keeps items with a lower index
        only. :class:`ConfigError` for an unknown run."""
        b, r = m.BLUEPRINTS, m.RUNS
        stmt = (
            select(b.c.fingerprint, b.c.content)
            .join(r, r.c.id == b.c.run_id)
            .where(b.c.accepted.is_(True))
            .order_by(r.c.started_at, r.c.id, b.c.item_index, b.c.position)
        )
        if run_id is not None:
            self.get_run(run_id)
            stmt = stmt.where(b.c.run_id == run_id)
        if below is not None:
            stmt = stmt.where(b.c.item_index < below)
        seen: set[str] = set()
        out: list[Blueprint] = []
        with self._engine.connect() as conn:
            for fingerprint, content in conn.execute(stmt):
                if fingerprint not in seen:
                    seen.add(fingerprint)
                    out.append(Blueprint.model_validate(content))
        return out

    def get_blueprint(self, ident: str) -> Blueprint:
        """The stored blueprint whose row id (``<run>:<item>:b<n>``, as the rejection
        examples of :meth:`stats` name it) is ``ident``; :class:`ConfigError` if none."""
        b = m.BLUEPRINTS
        with self._engine.connect() as conn:
            content = conn.scalar(select(b.c.content).where(b.c.id == ident))
        if content is None:
            raise ConfigError(f"no blueprint {ident!r} in {self.url}", field="ID")
        return Blueprint.model_validate(content)

    def get_trajectory(self, ident: str) -> Trajectory:
        """The trajectory whose id is ``ident``, or the only one whose id starts with it.

        :class:`ConfigError` when none matches, or when several do (naming up to 5).
        """
        t = m.TRAJECTORIES
        prefix = t.c.id.startswith(ident, autoescape=True)
        rows: list[dict[str, Any]] = []
        with self._engine.connect() as conn:
            found = list(conn.scalars(select(t.c.id).where(t.c.id == ident)))
            if not found:
                stmt = select(t.c.id).where(prefix).order_by(t.c.id).limit(5)
                found = list(conn.scalars(stmt))
            total = len(found)
            if total == 5:
                total = conn.scalar(select(func.count()).select_from(t).where(prefix)) or 0
            if total == 1:
                rows = [dict(r._mapping) for r in conn.execute(_read_by_id(found[0]))]
        if not found:
            raise ConfigError(f"no trajectory {ident!r} in {self.url}", field="ID")
        if total > 1:
            shown = ", ".join(found) + (", …" if total > len(found) else "")
            raise ConfigError(
                f"{ident!r} matches {total} trajectories ({shown}); give more of the id",
                field="ID",
            )
        return to_trajectories(self._engine, rows)[0]

    def read_item(self, run_id: str, item_index: int) -> ItemResult:
        """Everything stored for one item, as :meth:`write_item` took it."""
        t, i, u = m.TRAJECTORIES, m.ITEMS, m.LLM_USAGE
        cols = [
            cast(t.c.messages, Text).label("messages") if c == "messages" else t.c[c]
            for c in READ_COLUMNS
        ]
        traj = select(*cols).where(t.c.run_id == run_id, t.c.item_index == item_index)
        with self._engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(traj.order_by(t.c.id))]
            item = conn.execute(
                select(i.c.status, i.c.error).where(
                    i.c.run_id == run_id, i.c.item_index == item_index
                )
            ).first()
            usage = [
                RoleUsage(
                    role=r.role,
                    model=r.model,
                    usage=Usage(
                        calls=r.calls,
                        prompt_tokens=r.prompt_tokens,
                        completion_tokens=r.completion_tokens,
                        cost_usd=r.cost_usd,
                        errors=r.errors,
                        retries=r.retries,
                    ),
                )
                for r in conn.execute(
                    select(u)
                    .where(u.c.run_id == run_id, u.c.item_index == item_index)
                    .order_by(u.c.role, u.c.model)
                )
            ]
        if item is None:
            raise ConfigError(f"run {run_id!r} has no item {item_index}", field="item")
        return ItemResult(
            run_id=run_id,
            item_index=item_index,
            blueprints=tuple(self.blueprints(run_id, item_index)),
            trajectories=tuple(to_trajectories(self._engine, rows)),
            usage=tuple(usage),
            status=item.status,
            error=item.error,
        )

    def accepted_fingerprints(self, run_id: str) -> dict[str, int]:
        """Fingerprint -> lowest item index of every accepted blueprint of the run."""
        b = m.BLUEPRINTS
        stmt = (
            select(b.c.fingerprint, func.min(b.c.item_index))
            .where(b.c.run_id == run_id, b.c.accepted.is_(True))
            .group_by(b.c.fingerprint)
        )
        with self._engine.connect() as conn:
            return {fp: int(idx) for fp, idx in conn.execute(stmt)}

    # -- curation ---------------------------------------------------------------------

    def stats(self, run_id: str | None = None) -> Stats:
        """The funnel, rejection reasons, tool coverage, distributions and cost (SQL aggregates)."""
        from apigen.store._stats import compute_stats

        if run_id is not None:
            self.get_run(run_id)
        return compute_stats(self._engine, run_id)

    def export(self, where: TrajectoryFilter, options: ExportOptions) -> ExportResult:
        """Stream matching trajectories into training files (see :mod:`apigen.export`).

        An unknown ``where.run_id`` is a :class:`ConfigError`.
        """
        from apigen.store._export import export_trajectories

        if where.run_id is not None:
            self.get_run(where.run_id)
        return export_trajectories(self._engine, where, options)

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))


def _lock_items(conn: Any, keys: list[str]) -> None:
    """Serialise concurrent writers of the same items (a retried item racing its original).

    SQLite needs nothing: ``BEGIN IMMEDIATE`` already makes writers take turns.
    Keys are locked in sorted order so two batches cannot deadlock.
    """
    conn.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
            " FROM unnest(CAST(:keys AS text[])) AS k"
        ),
        {"keys": keys},
    )


def _read_by_id(trajectory_id: str) -> Any:
    """Select one trajectory's ``READ_COLUMNS`` (messages as JSON text)."""
    t = m.TRAJECTORIES
    cols = [
        cast(t.c.messages, Text).label("messages") if c == "messages" else t.c[c]
        for c in READ_COLUMNS
    ]
    return select(*cols).where(t.c.id == trajectory_id)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _link_duplicates(conn: Any, ids: list[str]) -> None:
    b = m.BLUEPRINTS
    other = b.alias("other")
    first = (
        select(func.min(other.c.id))
        .where(other.c.fingerprint == b.c.fingerprint, other.c.accepted.is_(True))
        .scalar_subquery()
    )
    conn.execute(update(b).where(b.c.id.in_(ids)).values(duplicate_of=first))
