"""``apigen run``: the driver that streams items through Ray workers into the store."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ray

from apigen.env import get_domain
from apigen.errors import ConfigError
from apigen.runner._execute import execute
from apigen.runner._item import FingerprintRegistry, PipelineProcessor, as_duplicate
from apigen.runner._limiter import AIMD, BrokerCore, ModelLimits
from apigen.runner._progress import ProgressView, RunCounters
from apigen.runner._ray import ray_session
from apigen.settings import Settings
from apigen.settings._load import validate_settings
from apigen.store import ItemResult, Store

__all__ = ["RunSummary", "run"]


@dataclass
class RunSummary:
    """What a run did, as ``apigen run`` prints it."""

    run_id: str
    status: str
    database_url: str
    items: int
    done: int
    failed: int
    accepted_trajectories: int
    accepted_blueprints: int
    rejections: dict[str, int] = field(default_factory=dict)
    """Why items yielded nothing / trajectories were rejected, with counts."""
    tokens: int = 0
    cost_usd: float | None = None
    """``None`` when no model involved has a known price (sim models, local servers)."""
    wall_s: float = 0.0
    restarted_workers: int = 0

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "export": self.export_command()}

    def render(self) -> str:
        lines = [
            f"run {self.run_id}: {self.status} in {self.wall_s:.1f}s",
            f"  items {self.done}/{self.items} done ({self.failed} failed), "
            f"blueprints accepted {self.accepted_blueprints}, "
            f"trajectories accepted {self.accepted_trajectories}",
            f"  tokens {self.tokens:,}  cost "
            + (
                "n/a (no model with a known price)"
                if self.cost_usd is None
                else f"${self.cost_usd:.4f}"
            ),
        ]
        if self.restarted_workers:
            lines.append(f"  workers restarted: {self.restarted_workers}")
        if self.rejections:
            lines.append("  rejected:")
            lines += [f"    {n:>6}  {why}" for why, n in list(self.rejections.items())[:10]]
        if self.status == "interrupted":
            lines.append(f"  resume with: apigen run --resume {self.run_id}")
        lines.append(f"  export with: {self.export_command()}")
        return "\n".join(lines)

    def export_command(self) -> str:
        db = "" if self.database_url.endswith("apigen.db") else f" --db '{self.database_url}'"
        return f"apigen export --run {self.run_id} --format openai --out {self.run_id}.jsonl{db}"


class _Broker(BrokerCore):
    """The Ray actor body of the run-wide rate limiter."""


def _limits(config: Settings) -> dict[str, ModelLimits]:
    """Run-wide limits of every model the run may call (roles' models and fallbacks)."""
    out = {}
    for model in config.models.all_models():
        endpoint = config.models.endpoint(model)
        if endpoint.rpm or endpoint.tpm:
            out[model] = ModelLimits(rpm=endpoint.rpm, tpm=endpoint.tpm)
    return out


def _reasons(item: ItemResult) -> Iterator[str]:
    if item.status == "failed":
        yield (item.error or "failed").split(":")[0]
        return
    final = item.blueprints[-1] if item.blueprints else None
    if final is None or final.report is None:
        yield "blueprint:format"
        return
    failed = final.report.failed_stage
    if failed is not None:
        yield f"blueprint:{failed.stage}"
        return
    for t in item.trajectories:
        if not t.accepted:
            bad = next((v.verifier for v in t.verdicts if not v.passed), t.ending)
            yield f"trajectory:{bad}"


@contextmanager
def _interrupts(stop: threading.Event) -> Iterator[None]:
    """First Ctrl-C: stop submitting and drain; a second one aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Writer:
    """Buffers finished items and writes them in batches; settles late duplicates."""

    def __init__(
        self, store: Store, config: Settings, counters: RunCounters, owners: dict[str, int]
    ) -> None:
        self.store, self.config, self.counters = store, config, counters
        self.owners = owners
        self.buffer: list[ItemResult] = []
        self.last_flush = time.monotonic()
        self.reasons: Counter[str] = Counter()
        self.accepted_blueprints = 0

    def add(self, index: int, item: ItemResult) -> None:
        item = self._settle_duplicates(item)
        c = self.counters
        c.done += 1
        accepted = sum(1 for t in item.trajectories if t.accepted)
        c.accepted += accepted
        c.failed += item.status == "failed"
        c.rejected += accepted == 0 and item.status != "failed"
        self.accepted_blueprints += bool(item.trajectories)
        for u in item.usage:
            c.tokens += u.usage.total_tokens
            c.add_cost(u.usage.cost_usd)
        self.reasons.update(_reasons(item))
        self.buffer.append(item)
        if (
            len(self.buffer) >= self.config.batch_size
            or time.monotonic() - self.last_flush >= self.config.flush_s
        ):
            self.flush()

    def _settle_duplicates(self, item: ItemResult) -> ItemResult:
        final = item.blueprints[-1] if item.blueprints else None
        if final is None or not item.trajectories:
            return item
        fp = final.fingerprint()
        owner = self.owners.get(fp)
        if owner is None or owner == item.item_index:
            self.owners[fp] = item.item_index
            return item
        if owner < item.item_index:
            return as_duplicate(item, owner)
        # A higher item was accepted first: it becomes the duplicate.
        self.owners[fp] = item.item_index
        self._demote(owner, item.item_index)
        return item

    def _demote(self, index: int, owner: int) -> None:
        for i, pending in enumerate(self.buffer):
            if pending.item_index == index:
                self.buffer[i] = as_duplicate(pending, owner)
                self.counters.accepted -= sum(1 for t in pending.trajectories if t.accepted)
                return
        self.flush()
        stored = self.store.read_item(self.config_run_id, index)
        self.counters.accepted -= sum(1 for t in stored.trajectories if t.accepted)
        self.store.write_items([as_duplicate(stored, owner)])

    config_run_id: str = ""

    def flush(self) -> None:
        if self.buffer:
            self.store.write_items(self.buffer)
            self.buffer = []
        self.last_flush = time.monotonic()


def run(config: Settings, *, resume: str | None = None, progress: bool = True) -> RunSummary:
    """Run (or resume) a synthesis run end to end and return its summary.

    New runs sample ``config.n`` items; ``resume`` finishes exactly the items of
    that run not yet written (its stored configuration wins over ``config``, except
    the execution settings: workers, concurrency, ray address, batching).
    """
    started = time.monotonic()
    with Store.open(config.database_url) as store:
        if resume is not None:
            info = store.get_run(resume)
            try:
                stored = validate_settings(info.config)
            except ConfigError:
                raise ConfigError(
                    f"run {resume} was not started by `apigen run` and cannot be resumed by it",
                    field="resume",
                ) from None
            store.resume_run(resume)
            config = stored.model_copy(
                update={
                    k: getattr(config, k)
                    for k in (
                        "database_url",
                        "ray_address",
                        "ship_code",
                        "workers",
                        "concurrency",
                        "batch_size",
                        "flush_s",
                        "grace_s",
                    )
                }
            )
            run_id = info.id
            indices = store.missing_items(run_id)
            owners = store.accepted_fingerprints(run_id)
        else:
            domain = get_domain(config.domain)
            run_id = store.start_run(
                config.model_dump(mode="json"),
                domain=config.domain,
                seed=config.seed,
                planned_items=config.n,
                tools=[t.schema for t in domain.tools],
                policy=domain.policy,
            ).id
            indices = list(range(config.n))
            owners = {}
        counters = RunCounters(total=len(indices))
        writer = _Writer(store, config, counters, owners)
        writer.config_run_id = run_id
        stop = threading.Event()
        status = "failed"
        restarted = 0
        try:
            with (
                ray_session(config.ray_address, ship_code=config.ship_code),
                _interrupts(stop),
                ProgressView(counters, enabled=progress) as view,
            ):
                limits = _limits(config)
                broker = ray.remote(num_cpus=0)(_Broker).remote(limits, AIMD()) if limits else None
                registry = ray.remote(num_cpus=0)(FingerprintRegistry).remote(owners)
                processor = PipelineProcessor(config, run_id, registry)

                def on_result(index: int, item: Any) -> None:
                    writer.add(index, item)
                    view.refresh()

                report = execute(
                    processor,
                    indices,
                    workers=config.workers,
                    in_flight=config.concurrency,
                    on_result=on_result,
                    stop=stop,
                    grace_s=config.grace_s,
                    broker=broker,
                    name=f"apigen-worker-{run_id}",
                    limits=limits,
                )
                writer.flush()
                for index, error in report.failed.items():
                    store.write_item(run_id, index, status="failed", error=error)
                    counters.failed += 1
                    writer.reasons[error.split(":")[0]] += 1
                restarted = report.restarted_workers
                status = "interrupted" if report.interrupted else "completed"
        except KeyboardInterrupt:
            writer.flush()
            status = "interrupted"
        finally:
            store.finish_run(run_id, status)  # type: ignore[arg-type]
        return RunSummary(
            run_id=run_id,
            status=status,
            database_url=store.url,
            items=len(indices),
            done=counters.done,
            failed=counters.failed,
            accepted_trajectories=counters.accepted,
            accepted_blueprints=writer.accepted_blueprints,
            rejections=dict(writer.reasons.most_common()),
            tokens=counters.tokens,
            cost_usd=counters.cost_usd,
            wall_s=time.monotonic() - started,
            restarted_workers=restarted,
        )
