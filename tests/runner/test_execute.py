"""The executor on a real local Ray: every item once, backpressure, lost workers, stop."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import pytest
import ray

from apigen.runner._execute import execute


class Doubler:
    def __init__(
        self, delay: float = 0.01, die_on: int | None = None, marker: str | None = None
    ) -> None:
        self.delay = delay
        self.die_on = die_on
        self.marker = marker

    def setup(self, worker_index: int, limiter: Any) -> None:
        self.worker = worker_index

    async def process(self, index: int) -> Any:
        await asyncio.sleep(self.delay)
        if index == self.die_on:
            if self.marker is None:
                os._exit(1)  # a poison item: kills every worker that runs it
            if not os.path.exists(self.marker):
                open(self.marker, "w").close()  # only the first worker to run it dies
                os._exit(1)
        if index == 13:
            raise ValueError("unlucky")
        return {"index": index, "double": index * 2, "pid": os.getpid()}


@pytest.mark.usefixtures("ray_local")
def test_every_item_delivered_once() -> None:
    seen: list[int] = []
    results: dict[int, Any] = {}

    def on_result(i: int, r: Any) -> None:
        seen.append(i)
        results[i] = r

    report = execute(Doubler(), range(60), workers=2, in_flight=8, on_result=on_result)
    assert sorted(seen) == sorted(set(seen))
    assert set(seen) == set(range(60)) - {13}
    assert all(results[i]["double"] == 2 * i for i in seen)
    assert report.failed.keys() == {13} and "unlucky" in report.failed[13]
    assert len({r["pid"] for r in results.values()}) == 2  # both workers did work


@pytest.mark.usefixtures("ray_local")
def test_lost_worker_items_rerun_elsewhere(tmp_path: Any) -> None:
    seen: list[int] = []
    processor = Doubler(delay=0.02, die_on=20, marker=str(tmp_path / "died"))
    report = execute(
        processor, range(50), workers=2, in_flight=4, on_result=lambda i, r: seen.append(i)
    )
    assert report.restarted_workers == 1 and report.resubmitted >= 1
    assert sorted(seen) == sorted(set(range(50)) - {13})


@pytest.mark.usefixtures("ray_local")
def test_poison_item_fails_after_bounded_losses() -> None:
    seen: list[int] = []
    report = execute(
        Doubler(die_on=3),
        range(8),
        workers=2,
        in_flight=1,
        on_result=lambda i, r: seen.append(i),
        max_item_losses=2,
    )
    assert "worker died 2 times" in report.failed[3]
    assert sorted(seen) == [0, 1, 2, 4, 5, 6, 7]


@pytest.mark.usefixtures("ray_local")
def test_stop_finishes_in_flight_and_reports_pending() -> None:
    stop = threading.Event()
    seen: list[int] = []

    def on_result(i: int, r: Any) -> None:
        seen.append(i)
        if len(seen) == 5:
            stop.set()

    report = execute(
        Doubler(delay=0.05),
        range(100),
        workers=2,
        in_flight=2,
        on_result=on_result,
        stop=stop,
        grace_s=5,
    )
    assert report.interrupted
    assert 5 <= len(seen) <= 9  # what was in flight finished; nothing new started
    assert sorted(set(seen) | set(report.pending) | set(report.failed)) == list(range(100))
    assert not set(seen) & set(report.pending)
    assert ray.is_initialized()
