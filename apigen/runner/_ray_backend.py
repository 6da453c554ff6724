"""The Ray backend of a run: worker actors, the run-wide rate broker, the dedup actor."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import ray

from apigen.runner._backend import ExecutionReport
from apigen.runner._broker import RateBroker
from apigen.runner._dedup import DedupArbiter
from apigen.runner._execute import execute
from apigen.runner._ray import ray_session
from apigen.runner._run import run_limits
from apigen.runner._work import WorkProcessor
from apigen.settings import Settings

__all__ = ["execute_on_ray"]


def execute_on_ray(
    settings: Settings,
    processor: WorkProcessor,
    indices: Sequence[int],
    on_result: Callable[[int, Any], None],
    stop: threading.Event,
    owners: dict[str, int],
) -> ExecutionReport:
    """Run ``indices`` on ``settings.workers`` actors (a local Ray instance, or the
    cluster at ``ray_address``), every model of :meth:`ModelsConfig.all_models` under
    one run-wide rate limiter and, for phases that sample blueprints, one dedup actor."""
    domains = {settings.domain, *(bp.domain for bp in processor.blueprints)}
    with ray_session(settings.ray_address, ship_code=settings.ship_code, domains=domains):
        limits = run_limits(settings)
        broker = RateBroker(limits).actor if limits else None
        if processor.phases != "trajectories":
            processor.arbiter = ray.remote(num_cpus=0)(DedupArbiter).remote(owners)
        return execute(
            processor,
            indices,
            workers=settings.workers,
            in_flight=settings.concurrency,
            on_result=on_result,
            stop=stop,
            grace_s=settings.grace_s,
            broker=broker,
            name=f"apigen-worker-{processor.run_id}",
            limits=limits,
        )
