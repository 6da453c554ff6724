"""``apigen bench store``: ingest rate, curation query latency and export throughput.

Synthetic items (:mod:`._synthetic`: 6–20 messages with tool calls,
verdicts with judge votes, blueprints with stage outcomes, usage) are written in
batches; only the ``write_items`` calls are timed. Then ``stats`` (every query it
runs), a filtered export, and an export of every trajectory are timed on the
filled database. SQLite always; PostgreSQL when a URL is given (in a throw-away
schema that is dropped afterwards).
"""

from __future__ import annotations

import gc
import os
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from apigen.bench._synthetic import POLICY, TOOL_SCHEMAS, synthetic_item
from apigen.export import ExportOptions
from apigen.store import Store, TrajectoryFilter, scratch_schema

__all__ = ["bench_store"]

GOALS = {"ingest_per_s": 2000, "stats_s": 1.0, "export_all_s": 20.0}
_POOL = 1000


def _rss_mb() -> float:
    """Current resident memory (Linux ``/proc``; peak RSS elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _PeakRss:
    """Samples resident memory every 20 ms while in the block: ``growth_mb`` = peak - start."""

    def __enter__(self) -> _PeakRss:
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.growth_mb = round(self.peak - self.start, 1)


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _bench_one(url: str, n: int, batch: int, out_dir: Path) -> dict[str, Any]:
    pool = [synthetic_item("pool", i) for i in range(min(_POOL, n))]
    # The fixture pool is benchmark scaffolding: keep it out of the garbage collector's
    # full collections so they do not bill the store for it.
    gc.collect()
    gc.freeze()
    with Store.open(url) as store:
        run = store.start_run(
            {"bench": True}, domain="toy", planned_items=n, tools=TOOL_SCHEMAS, policy=POLICY
        )
        spent = 0.0
        for start in range(0, n, batch):
            items = [
                pool[k % len(pool)].model_copy(update={"run_id": run.id, "item_index": k})
                for k in range(start, min(n, start + batch))
            ]
            spent += _timed(store.write_items, items)[1]
        store.finish_run(run.id)
        stats, stats_s = _timed(store.stats)
        _, stats_run_s = _timed(store.stats, run.id)
        _, runs_s = _timed(store.runs)
        filtered = TrajectoryFilter(min_turns=2, tool="deposit", min_judge_agreement=0.6)
        opts = ExportOptions(format="openai", out=out_dir / "filtered.jsonl")
        res_f, filtered_s = _timed(store.export, filtered, opts)
        every = TrajectoryFilter(accepted_only=False)
        opts = ExportOptions(format="openai", out=out_dir / "all.jsonl")
        with _PeakRss() as rss:
            res_all, all_s = _timed(store.export, every, opts)
        opts = ExportOptions(format="sharegpt", out=out_dir / "sharegpt.json")
        res_sg, sg_s = _timed(store.export, TrajectoryFilter(), opts)
        opts = ExportOptions(format="chat-template", out=out_dir / "hermes.jsonl")
        res_ct, ct_s = _timed(store.export, TrajectoryFilter(limit=10_000), opts)
    gc.unfreeze()
    return {
        "trajectories": n,
        "ingest_per_s": round(n / spent, 1),
        "ingest_s": round(spent, 2),
        "stats_s": round(stats_s, 3),
        "stats_run_s": round(stats_run_s, 3),
        "runs_s": round(runs_s, 3),
        "accepted": stats.accepted,
        "filtered_export_s": round(filtered_s, 3),
        "filtered_export_records": res_f.written,
        "export_all_s": round(all_s, 2),
        "export_all_records": res_all.written,
        "export_per_s": round(res_all.written / all_s, 1),
        "export_rss_growth_mb": rss.growth_mb,
        "sharegpt_per_s": round(res_sg.written / sg_s, 1),
        "chat_template_per_s": round(res_ct.written / ct_s, 1),
    }


def bench_store(
    trajectories: int = 100_000, *, postgres: str | None = None, batch: int = 500
) -> dict[str, Any]:
    """Measure the store on SQLite (and PostgreSQL at ``postgres``); returns numbers."""
    postgres = postgres or (
        os.environ.get("APIGEN_DATABASE_URL", "")
        if os.environ.get("APIGEN_DATABASE_URL", "").startswith("postgresql")
        else None
    )
    result: dict[str, Any] = {"goals": GOALS, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="apigen-bench-") as tmp:
        out = Path(tmp)
        result["sqlite"] = _bench_one(f"sqlite:///{out / 'bench.db'}", trajectories, batch, out)
        if postgres:
            with scratch_schema(postgres, prefix="apigen_bench") as url:
                result["postgresql"] = _bench_one(url, trajectories, batch, out)
    result["ingest_per_s"] = result["sqlite"]["ingest_per_s"]
    return result
