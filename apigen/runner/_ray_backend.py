"""The Ray backend of a run: worker actors, the run-wide rate broker, the dedup actor."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import ray

from apigen.runner._backend import ExecutionReport
from apigen.runner._broker import RateBroker
from apigen.runner._dedup import DedupArbiter
from apigen.runner._execute import execute
from apigen.runner._ray import coordination_actor, ray_session
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
    one run-wide rate limiter and, for phases that sample blueprints, one dedup actor.
    Both are coordination actors (:func:`coordination_actor`): Ray restarts them when
    they die, and the workers carry on."""
    with ray_session(settings.ray_address, ship_code=settings.ship_code):
        limits = run_limits(settings)
        tag = f"{processor.run_id}-{uuid.uuid4().hex[:6]}"
        coordinators = []
        if limits:
            coordinators.append(RateBroker(limits, name=f"apigen-broker-{tag}").actor)
        if processor.phases != "trajectories":
            arbiter = coordination_actor(DedupArbiter, owners, name=f"apigen-dedup-{tag}")
            coordinators.append(arbiter)
            processor.arbiter = arbiter
        try:
            return execute(
                processor,
                indices,
                workers=settings.workers,
                in_flight=settings.concurrency,
                on_result=on_result,
                stop=stop,
                grace_s=settings.grace_s,
                broker=coordinators[0] if limits else None,
                name=f"apigen-worker-{processor.run_id}",
                limits=limits,
            )
        finally:
            for actor in coordinators:
                ray.kill(actor)
