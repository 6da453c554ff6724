"""The local backend: every item in this process, ``in_flight`` at a time with asyncio.

Same contract as the Ray backend (:func:`apigen.runner._execute.execute`): results
go to ``on_result`` as items finish; after ``stop`` is set nothing new starts and
in-flight items get ``grace_s`` seconds; an item whose processing raised is
reported failed, except for a :class:`apigen.errors.UserError` (a bad template, a
bad knob), which ends the run. There are no workers to lose.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from apigen.errors import UserError
from apigen.runner._backend import ExecutionReport, ItemProcessor

__all__ = ["execute_local"]


def execute_local(
    processor: ItemProcessor,
    indices: Iterable[int],
    *,
    in_flight: int,
    on_result: Callable[[int, Any], None],
    stop: threading.Event | None = None,
    grace_s: float = 30.0,
    limiter: Any = None,
) -> ExecutionReport:
    """Run every item in this process until done or ``stop`` is set."""
    stop = stop or threading.Event()
    processor.setup(0, limiter)
    return asyncio.run(
        _drive(processor, list(indices), max(1, in_flight), on_result, stop, grace_s)
    )


async def _drive(
    processor: ItemProcessor,
    queue: list[int],
    in_flight: int,
    on_result: Callable[[int, Any], None],
    stop: threading.Event,
    grace_s: float,
) -> ExecutionReport:
    report = ExecutionReport()
    queue.reverse()  # pop() from the end keeps the given order
    running: dict[asyncio.Task[Any], int] = {}
    deadline: float | None = None
    while queue or running:
        if stop.is_set() and deadline is None:
            deadline = time.monotonic() + grace_s
            report.interrupted = True
        if deadline is None:
            while queue and len(running) < in_flight:
                index = queue.pop()
                running[asyncio.ensure_future(processor.process(index))] = index
        elif time.monotonic() > deadline or not running:
            break
        if not running:
            continue
        done, _ = await asyncio.wait(running, timeout=0.2, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            index = running.pop(task)
            error = task.exception()
            if isinstance(error, UserError):  # a mistake of the user ends the run
                for other in running:
                    other.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                raise error
            if error is not None:
                report.failed[index] = f"{type(error).__name__}: {error}"
                continue
            report.completed += 1
            on_result(index, task.result())
    report.pending = sorted(set(running.values()) | set(queue))
    for task in running:
        task.cancel()
    if running:
        await asyncio.gather(*running, return_exceptions=True)
    return report
