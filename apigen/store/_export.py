"""Streaming stored trajectories into :func:`apigen.export.write_dataset`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select

from apigen.export import ExportOptions, ExportRecord, ExportResult, write_dataset
from apigen.store._models import RUNS
from apigen.store._read import iter_batches
from apigen.store._records import TrajectoryFilter
from apigen.store._rows import load_messages

__all__ = ["export_trajectories"]

_COLUMNS = ("id", "run_id", "domain", "messages")


class _DomainSpecs:
    """Tools and policy per (run, domain): the run's snapshot, else the registry."""

    def __init__(self, engine: Engine) -> None:
        r = RUNS
        with engine.connect() as conn:
            rows = conn.execute(select(r.c.id, r.c.domain, r.c.tools, r.c.policy)).all()
        self._runs = {
            x.id: (x.domain, tuple(x.tools) if x.tools is not None else None, x.policy)
            for x in rows
        }
        self._registry: dict[str, tuple[tuple[dict[str, Any], ...], str | None]] = {}

    def get(self, run_id: str, domain: str) -> tuple[tuple[dict[str, Any], ...], str | None]:
        run_domain, tools, policy = self._runs.get(run_id, (None, None, None))
        if run_domain == domain and tools is not None:
            return tools, policy
        if domain not in self._registry:
            from apigen.env import get_domain

            d = get_domain(domain)  # UnknownNameError lists the registered domains
            self._registry[domain] = (tuple(t.schema for t in d.tools), d.policy)
        return self._registry[domain]


def _records(engine: Engine, where: TrajectoryFilter, batch: int) -> Iterator[ExportRecord]:
    specs = _DomainSpecs(engine)
    for rows in iter_batches(engine, where, _COLUMNS, batch):
        for r in rows:
            tools, policy = specs.get(r["run_id"], r["domain"])
            yield ExportRecord.model_construct(
                id=r["id"],
                domain=r["domain"],
                messages=load_messages(r["messages"]),
                tools=tools,
                policy=policy,
            )


def export_trajectories(
    engine: Engine, where: TrajectoryFilter, options: ExportOptions, *, batch: int = 1000
) -> ExportResult:
    """Export the trajectories ``where`` selects, streamed ``batch`` rows at a time."""
    return write_dataset(_records(engine, where, batch), options)
