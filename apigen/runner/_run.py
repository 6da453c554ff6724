"""The one run lifecycle behind every command: start (or resume), execute, write, finish.

:func:`run` (both phases), :func:`generate` (phase 1 only) and :func:`collect`
(phase 2 only) are presets of :func:`execute_run`. A run is started in the store
with its settings, its items stream through a backend (``local``: this process;
``ray``: worker actors) into the one :class:`ItemWriter`, and the run is finished
``completed``, ``interrupted`` (first Ctrl-C or SIGTERM: stop submitting, let
in-flight items finish within ``grace_s``, write them) or ``failed`` (an error, or
every item failed). With ``out`` the items go to
files instead of the store and no run is recorded.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from apigen.blueprints import Funnel, blueprint_key, recombination_groups
from apigen.env import get_domain
from apigen.errors import ConfigError, UnknownNameError, UserError
from apigen.runner._backend import ExecutionReport
from apigen.runner._dedup import DedupArbiter
from apigen.runner._limiter import ModelLimits
from apigen.runner._progress import ProgressView, RunCounters
from apigen.runner._summary import RunSummary
from apigen.runner._work import Preset, WorkProcessor
from apigen.runner._writer import BlueprintFiles, ItemWriter, TrajectoryFile
from apigen.settings import Settings
from apigen.settings._load import validate_settings
from apigen.store import Store
from apigen.types import Blueprint

__all__ = ["collect", "execute_run", "generate", "preflight", "run", "run_limits"]

_EXECUTION = (
    "database_url",
    "backend",
    "ray_address",
    "ship_code",
    "workers",
    "concurrency",
    "batch_size",
    "flush_s",
    "grace_s",
)
"""Settings a resumed run takes from the command line rather than from the stored run."""

_COMMAND = {
    "both": "run",
    "blueprints": "blueprints generate",
    "trajectories": "trajectories collect",
}


def run(settings: Settings, *, resume: str | None = None, progress: bool = True) -> RunSummary:
    """Both phases (``apigen run``): ``settings.n`` attempts, each accepted blueprint
    role-played; ``resume`` finishes exactly the items of that run not yet written
    (its stored settings win, except the execution settings)."""
    return execute_run(settings, "both", resume=resume, progress=progress)


def generate(settings: Settings, *, out: Path | None = None, progress: bool = True) -> RunSummary:
    """Phase 1 only (``apigen blueprints generate``): ``settings.n`` attempts into the
    store, or with ``out`` into YAML files plus ``rejected.jsonl``."""
    get_domain(settings.domain)  # an unknown domain fails before anything is written
    return execute_run(settings, "blueprints", out=out, progress=progress)


def collect(
    settings: Settings,
    blueprints: Sequence[Blueprint],
    *,
    source: Mapping[str, Any] | None = None,
    out: Path | None = None,
    progress: bool = True,
) -> RunSummary:
    """Phase 2 only (``apigen trajectories collect``): item ``i`` plays ``blueprints[i]``
    (a blueprint without an id gets :func:`blueprint_key`). ``source`` (where the
    blueprints came from) is stored with the settings."""
    given = tuple(
        bp if bp.id else bp.model_copy(update={"id": blueprint_key(bp)}) for bp in blueprints
    )
    for d in sorted({bp.domain for bp in given}):
        try:
            get_domain(d)
        except UnknownNameError as exc:
            bp = next(b for b in given if b.domain == d)
            raise UserError(f"blueprint {bp.id or '?'}: {exc}") from None
    return execute_run(
        settings, "trajectories", blueprints=given, source=source, out=out, progress=progress
    )


def preflight(settings: Settings, phases: Preset) -> None:
    """Check up front what workers would otherwise find item after item: the domain,
    every model name (:func:`apigen.llm.check_model`: ``sim/…`` roles and knobs, a
    provider for the others), the phase-1 templates, that the Ray
    cluster to join answers. Raises a
    :class:`UserError` naming the setting; runs before a run row is written or Ray
    is started."""
    from apigen.blueprints import PromptTemplates
    from apigen.llm import check_model

    if phases != "trajectories":
        get_domain(settings.domain)
        PromptTemplates(settings.phase1.templates_dir).check()
    if _backend(settings, phases) == "ray":
        from apigen.runner._ray import check_address

        check_address(settings.ray_address or os.environ.get("RAY_ADDRESS") or None)
    for model in settings.models.all_models():
        check_model(model)


def _backend(settings: Settings, phases: Preset) -> str:
    return settings.backend or ("ray" if phases == "both" else "local")


def run_limits(settings: Settings) -> dict[str, ModelLimits]:
    """Run-wide limits of every model the run may call (roles' models and fallbacks)."""
    out = {}
    for model in settings.models.all_models():
        endpoint = settings.models.endpoint(model)
        if endpoint.rpm or endpoint.tpm:
            out[model] = ModelLimits(rpm=endpoint.rpm, tpm=endpoint.tpm)
    return out


def execute_run(
    settings: Settings,
    phases: Preset,
    *,
    blueprints: tuple[Blueprint, ...] = (),
    source: Mapping[str, Any] | None = None,
    out: Path | None = None,
    resume: str | None = None,
    progress: bool = True,
) -> RunSummary:
    """The lifecycle every preset shares; see the module docstring."""
    started = time.monotonic()
    with ExitStack() as stack:
        store = None if out is not None else stack.enter_context(Store.open(settings.database_url))
        owners: dict[str, int] = {}
        if store is not None and resume is not None:
            settings, run_id, indices, owners = _resume(store, settings, resume)
        else:
            preflight(settings, phases)
            n = len(blueprints) if phases == "trajectories" else settings.n
            indices = list(range(n))
            run_id = (
                "files" if store is None else _start(store, settings, phases, n, blueprints, source)
            )
        sink: Any = store
        if out is not None:
            sink = TrajectoryFile(out) if phases == "trajectories" else BlueprintFiles(out)
        counters = RunCounters(total=len(indices))
        writer = ItemWriter(
            sink,
            run_id=run_id,
            counters=counters,
            dedup=None if phases == "trajectories" else DedupArbiter(owners),
            funnel=None
            if phases == "trajectories"
            else Funnel(settings.domain, settings.phase1.stages),
            blueprints_only=phases == "blueprints",
            n=settings.n,
            batch_size=settings.batch_size,
            flush_s=settings.flush_s,
        )
        processor = WorkProcessor(settings, run_id, phases, blueprints=blueprints)
        backend = _backend(settings, phases)
        stop = threading.Event()
        status = "failed"
        restarted = 0
        try:
            with _interrupts(stop), ProgressView(counters, enabled=progress) as view:
                report = _execute(backend, settings, processor, indices, writer, view, stop, owners)
                restarted = report.restarted_workers
                recombine = phases != "trajectories" and settings.phase1.recombine
                if recombine and not report.interrupted:
                    merged = _recombination(settings, run_id, writer, phases)
                    if merged is not None:
                        counters.total += len(merged.groups)
                        more = range(settings.n, settings.n + len(merged.groups))
                        report = _execute(backend, settings, merged, more, writer, view, stop, {})
                        restarted += report.restarted_workers
                writer.flush()
                status = "interrupted" if report.interrupted else "completed"
                if status == "completed" and counters.done and counters.failed == counters.done:
                    status = "failed"  # every item failed: not a completed run
        except KeyboardInterrupt:
            writer.flush()
            status = "interrupted"
        finally:
            if store is not None:
                store.finish_run(run_id, status)  # type: ignore[arg-type]
            else:
                sink.close()
        totals = writer.totals()
        return RunSummary(
            run_id=run_id,
            status=status,
            phases=phases,
            database_url=store.url if store is not None else None,
            items=counters.total,
            done=counters.done,
            failed=counters.failed,
            accepted_trajectories=totals["accepted_trajectories"],
            accepted_blueprints=totals["accepted_blueprints"],
            episodes=totals["episodes"],
            blueprints_with_accepted=totals["blueprints_with_accepted"],
            rejections=dict(writer.reasons().most_common()),
            trajectory_reasons=dict(writer.trajectory_reasons().most_common()),
            errors=dict(writer.errors().most_common(10)),
            tokens=counters.tokens,
            cost_usd=counters.cost_usd,
            wall_s=time.monotonic() - started,
            restarted_workers=restarted,
            funnel=writer.funnel.result() if writer.funnel is not None else None,
            out=None if out is None else str(out),
        )


def _start(
    store: Store,
    settings: Settings,
    phases: Preset,
    n: int,
    blueprints: Sequence[Blueprint],
    source: Mapping[str, Any] | None,
) -> str:
    record: dict[str, Any] = {"command": _COMMAND[phases], **settings.model_dump(mode="json")}
    if phases == "trajectories":
        record["source"] = dict(source or {})
        domain = ",".join(sorted({bp.domain for bp in blueprints}))[:64] or "none"
        return store.start_run(record, domain=domain, seed=settings.seed, planned_items=n).id
    env = get_domain(settings.domain)
    return store.start_run(
        record,
        domain=settings.domain,
        seed=settings.seed,
        planned_items=n,
        tools=[t.schema for t in env.tools],
        policy=env.policy,
    ).id


def _resume(
    store: Store, settings: Settings, run_id: str
) -> tuple[Settings, str, list[int], dict[str, int]]:
    info = store.get_run(run_id)
    record = dict(info.config)
    if record.pop("command", None) != "run":
        raise ConfigError(
            f"run {run_id} was not started by `apigen run` and cannot be resumed by it",
            field="resume",
        )
    stored = validate_settings(record)
    preflight(stored, "both")
    store.resume_run(run_id)
    settings = stored.model_copy(update={k: getattr(settings, k) for k in _EXECUTION})
    return settings, info.id, store.missing_items(run_id), store.accepted_fingerprints(run_id)


def _recombination(
    settings: Settings, run_id: str, writer: ItemWriter, phases: Preset
) -> WorkProcessor | None:
    """Items ``n + g``: up to three accepted blueprints of each user with two or more
    (in item order, ``phase1.recombine_rate`` of the users), merged into one task;
    ``None`` when there is no group."""
    accepted = writer.accepted_blueprints
    ordered = [accepted[i] for i in sorted(accepted)]
    groups = recombination_groups(ordered, rate=settings.phase1.recombine_rate, seed=settings.seed)
    if not groups:
        return None
    flat = tuple(bp for g in groups for bp in g)
    positions, start = [], 0
    for g in groups:
        positions.append(tuple(range(start, start + len(g))))
        start += len(g)
    return WorkProcessor(settings, run_id, phases, blueprints=flat, groups=tuple(positions))


def _execute(
    backend: str,
    settings: Settings,
    processor: WorkProcessor,
    indices: Sequence[int],
    writer: ItemWriter,
    view: ProgressView,
    stop: threading.Event,
    owners: dict[str, int],
) -> ExecutionReport:
    def on_result(index: int, item: Any) -> None:
        writer.add(item)
        view.refresh()

    if backend == "local":
        from apigen.runner._local import execute_local

        if processor.phases != "trajectories":
            processor.arbiter = DedupArbiter(owners)  # the workers' side; the writer settles
        report = execute_local(
            processor,
            indices,
            in_flight=settings.concurrency,
            on_result=on_result,
            stop=stop,
            grace_s=settings.grace_s,
        )
    else:
        from apigen.runner._ray_backend import execute_on_ray

        report = execute_on_ray(settings, processor, indices, on_result, stop, owners)
    for index, error in sorted(report.failed.items()):
        writer.failed(index, error)
    return report


@contextmanager
def _interrupts(stop: threading.Event) -> Iterator[None]:
    """First Ctrl-C or SIGTERM: stop submitting and drain; a second one aborts.

    Ray's ``init`` installs a SIGTERM handler of its own (exit at once); the Ray
    session puts this one back (:func:`apigen.runner._ray.ray_session`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
