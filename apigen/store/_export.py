"""Streaming stored trajectories into :func:`apigen.export.write_dataset`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select

from apigen.export import ExportOptions, ExportRecord, ExportResult, write_dataset
from apigen.store._models import BLUEPRINTS, RUNS, VERDICTS
from apigen.store._read import iter_batches
from apigen.store._records import TrajectoryFilter
from apigen.store._rows import load_messages

__all__ = ["export_trajectories", "models_per_role"]

_COLUMNS = (
    "id",
    "run_id",
    "domain",
    "messages",
    "blueprint_key",
    "blueprint_id",
    "trial",
    "accepted",
    "votes_total",
    "votes_passed",
)


def models_per_role(config: Any) -> dict[str, list[str]]:
    """``{role: [model, ...]}`` from a stored run config (``models.<role>.models``)."""
    models = config.get("models") if isinstance(config, dict) else None
    out: dict[str, list[str]] = {}
    for role, entry in (models or {}).items():
        names = entry.get("models") if isinstance(entry, dict) else None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            out[role] = list(dict.fromkeys(names))
    return out


class _Runs:
    """Per run: tools and policy (the run's snapshot, else the registry), seed, models."""

    def __init__(self, engine: Engine) -> None:
        r = RUNS
        cols = (r.c.id, r.c.domain, r.c.tools, r.c.policy, r.c.seed, r.c.config, r.c.code_version)
        with engine.connect() as conn:
            rows = conn.execute(select(*cols)).all()
        self._runs = {
            x.id: (x.domain, tuple(x.tools) if x.tools is not None else None, x.policy)
            for x in rows
        }
        self.info = {
            x.id: {
                "seed": x.seed,
                "models": models_per_role(x.config),
                "code_version": x.code_version,
            }
            for x in rows
        }
        self._registry: dict[str, tuple[tuple[dict[str, Any], ...], str | None]] = {}

    def spec(self, run_id: str, domain: str) -> tuple[tuple[dict[str, Any], ...], str | None]:
        run_domain, tools, policy = self._runs.get(run_id, (None, None, None))
        if run_domain == domain and tools is not None:
            return tools, policy
        if domain not in self._registry:
            from apigen.env import get_domain

            d = get_domain(domain)  # UnknownNameError lists the registered domains
            self._registry[domain] = (tuple(t.schema for t in d.tools), d.policy)
        return self._registry[domain]


def _checks(engine: Engine, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verdicts per trajectory and passed stages per blueprint, for one batch."""
    ids = [r["id"] for r in rows]
    bps = sorted({r["blueprint_id"] for r in rows if r["blueprint_id"]})
    verdicts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stages: dict[str, list[str]] = {}
    v, b = VERDICTS, BLUEPRINTS
    with engine.connect() as conn:
        q = select(v.c.trajectory_id, v.c.verifier, v.c.passed, v.c.score)
        for x in conn.execute(q.where(v.c.trajectory_id.in_(ids)).order_by(v.c.position)):
            verdicts[x.trajectory_id].append(
                {"verifier": x.verifier, "passed": x.passed, "score": x.score}
            )
        if bps:
            for y in conn.execute(select(b.c.id, b.c.stages).where(b.c.id.in_(bps))):
                stages[y.id] = [s["stage"] for s in y.stages if s.get("passed")]
    return verdicts, stages


def _provenance(
    r: dict[str, Any], run: dict[str, Any], verdicts: Any, stages: Any
) -> dict[str, Any]:
    total = r["votes_total"]
    return {
        "trajectory": r["id"],
        "run": r["run_id"],
        "seed": run.get("seed"),
        "code_version": run.get("code_version"),
        "models": run.get("models", {}),
        "blueprint": r["blueprint_key"],
        "trial": r["trial"],
        "accepted": r["accepted"],
        "blueprint_stages_passed": stages.get(r["blueprint_id"]) if stages is not None else None,
        "verdicts": verdicts.get(r["id"], []) if verdicts is not None else None,
        "judge_agreement": round(r["votes_passed"] / total, 4) if total else None,
    }


def _records(
    engine: Engine, where: TrajectoryFilter, batch: int, detailed: bool
) -> Iterator[ExportRecord]:
    runs = _Runs(engine)
    for rows in iter_batches(engine, where, _COLUMNS, batch):
        verdicts, stages = _checks(engine, rows) if detailed else (None, None)
        for r in rows:
            tools, policy = runs.spec(r["run_id"], r["domain"])
            yield ExportRecord.model_construct(
                id=r["id"],
                domain=r["domain"],
                messages=load_messages(r["messages"]),
                tools=tools,
                policy=policy,
                group=f"{r['run_id']}:{r['blueprint_key']}",
                provenance=_provenance(r, runs.info.get(r["run_id"], {}), verdicts, stages),
            )


def export_trajectories(
    engine: Engine, where: TrajectoryFilter, options: ExportOptions, *, batch: int = 1000
) -> ExportResult:
    """Export the trajectories ``where`` selects, streamed ``batch`` rows at a time.

    Every record carries its blueprint as split group and a provenance (run, seed,
    models per role, trial, judge agreement; with ``options.provenance`` also the
    verdicts and the blueprint stages it passed).
    """
    return write_dataset(_records(engine, where, batch, options.provenance), options)
