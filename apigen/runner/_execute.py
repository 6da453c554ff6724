"""Running work items on Ray actors: backpressure, worker loss, graceful stop.

The driver hands item indices to worker actors, keeping at most ``in_flight``
outstanding per worker; each worker runs many items concurrently with asyncio.
Results come back to the driver, which passes them to ``on_result`` (the caller
writes them in batches). A worker that dies has its outstanding items re-run on a
fresh worker; an item's result is delivered once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from apigen.errors import UserError
from apigen.runner._backend import ExecutionReport, ItemProcessor

__all__ = ["execute"]


class _Worker:
    """The actor body (wrapped by ``ray.remote`` at start)."""

    def __init__(
        self, processor: ItemProcessor, worker_index: int, broker: Any, limits: Any
    ) -> None:
        from apigen.runner._limiter import LeasedLimiter

        limiter = LeasedLimiter(broker, limits) if broker is not None else None
        self._processor = processor
        processor.setup(worker_index, limiter)

    async def process(self, index: int) -> Any:
        return await self._processor.process(index)

    def pid(self) -> int:
        import os

        return os.getpid()


def execute(
    processor: ItemProcessor,
    indices: Iterable[int],
    *,
    workers: int,
    in_flight: int,
    on_result: Callable[[int, Any], None],
    stop: threading.Event | None = None,
    grace_s: float = 30.0,
    broker: Any = None,
    limits: Any = None,
    on_worker_lost: Callable[[int], None] | None = None,
    max_item_losses: int = 3,
    name: str | None = None,
) -> ExecutionReport:
    """Run every item on ``workers`` actors until done or ``stop`` is set.

    After ``stop`` is set no new item is submitted; items in flight get ``grace_s``
    seconds to finish (their results are delivered), the rest are reported pending.
    An item whose worker died ``max_item_losses`` times is reported failed (a
    poison item must not take down worker after worker). Ray must already be
    initialised (see :func:`apigen.runner.ray_session`). With ``name``, worker
    ``i`` is the named actor ``{name}-{i}`` (``-r{k}`` after its k-th replacement).
    """
    stop = stop or threading.Event()
    actor_cls = ray.remote(num_cpus=0, max_restarts=0)(_Worker)
    concurrency = max(1, in_flight)

    generation: dict[int, int] = {}

    def spawn(i: int) -> Any:
        options: dict[str, Any] = {"max_concurrency": concurrency}
        if name is not None:
            k = generation[i] = generation.get(i, -1) + 1
            options["name"] = f"{name}-{i}" + (f"-r{k}" if k else "")
        return actor_cls.options(**options).remote(processor, i, broker, limits)

    actors = [spawn(i) for i in range(workers)]
    queue = list(indices)
    queue.reverse()  # pop() from the end keeps the given order
    outstanding: dict[Any, tuple[int, int]] = {}  # ref -> (item, worker slot)
    per_worker = [0] * workers
    report = ExecutionReport()
    stop_deadline: float | None = None
    losses: dict[int, int] = {}

    while queue or outstanding:
        if stop.is_set() and stop_deadline is None:
            stop_deadline = time.monotonic() + grace_s
            report.interrupted = True
        if stop_deadline is None:
            for slot in range(workers):
                while queue and per_worker[slot] < in_flight:
                    item = queue.pop()
                    outstanding[actors[slot].process.remote(item)] = (item, slot)
                    per_worker[slot] += 1
        elif time.monotonic() > stop_deadline or not outstanding:
            break
        if not outstanding:
            continue
        ready, _ = ray.wait(list(outstanding), num_returns=1, timeout=0.2)
        if ready:  # collect everything else that is already done too
            more, _ = ray.wait(list(outstanding), num_returns=len(outstanding), timeout=0)
            ready = list(dict.fromkeys([*ready, *more]))
        for ref in ready:
            if ref not in outstanding:  # requeued when its worker was replaced
                continue
            item, slot = outstanding.pop(ref)
            per_worker[slot] -= 1
            try:
                result = ray.get(ref)
            except RayTaskError as exc:  # first: a task error wrapping a RayActorError
                if isinstance(exc.cause, UserError):  # a mistake of the user ends the run
                    for actor in actors:
                        ray.kill(actor)
                    raise exc.cause from None
                # the worker is alive: only this item failed (a lost coordination actor
                # the worker called, if ``cause`` is a RayActorError, is not a lost worker)
                report.failed[item] = f"{type(exc.cause).__name__}: {exc.cause}"
                continue
            except RayActorError:
                _replace_worker(slot, actors, spawn, outstanding, per_worker, queue, report)
                if on_worker_lost is not None:
                    on_worker_lost(slot)
                losses[item] = losses.get(item, 0) + 1
                if losses[item] >= max_item_losses:
                    report.failed[item] = f"worker died {losses[item]} times running this item"
                else:
                    queue.append(item)
                    report.resubmitted += 1
                continue
            report.completed += 1
            on_result(item, result)

    report.pending = sorted({i for i, _ in outstanding.values()} | set(queue))
    for actor in actors:
        ray.kill(actor)
    return report


def _replace_worker(
    slot: int,
    actors: list[Any],
    spawn: Callable[[int], Any],
    outstanding: dict[Any, tuple[int, int]],
    per_worker: list[int],
    queue: list[int],
    report: ExecutionReport,
) -> None:
    """Swap a dead actor for a fresh one; its other in-flight items go back to the queue."""
    if actors[slot] is None:
        return
    actors[slot] = spawn(slot)
    report.restarted_workers += 1
    for ref, (item, s) in list(outstanding.items()):
        if s == slot:
            outstanding.pop(ref)
            per_worker[slot] -= 1
            queue.append(item)
            report.resubmitted += 1
