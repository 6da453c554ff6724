"""The run-wide rate broker as a Ray actor, for drivers that call :func:`execute` themselves."""

from __future__ import annotations

from typing import Any

import ray

from apigen.runner._limiter import AIMD, BrokerCore, ModelLimits
from apigen.runner._ray import coordination_actor

__all__ = ["RateBroker"]


class _BrokerActor(BrokerCore):
    """The actor body: the broker's logic plus a way to read its statistics."""

    def snapshot(self) -> dict[str, dict[str, float | None]]:
        return {m: {**s, "rate_rpm": self.rate(m)} for m, s in self.stats.items()}


class RateBroker:
    """One :class:`BrokerCore` in a Ray actor, shared by every worker of a run.

    Pass ``broker.actor`` and ``broker.limits`` to :func:`execute`; each worker then
    gets a :class:`LeasedLimiter` over it. Ray must already be initialised. A broker
    whose process dies is restarted by Ray (:func:`coordination_actor`) with fresh
    budgets; workers' pending lease calls are retried on it.
    """

    def __init__(
        self, limits: dict[str, ModelLimits], aimd: AIMD | None = None, *, name: str | None = None
    ) -> None:
        self.limits = limits
        self.actor: Any = coordination_actor(_BrokerActor, limits, aimd or AIMD(), name=name)

    def stats(self) -> dict[str, dict[str, float | None]]:
        """Per model: permits ``leased``, ``rate_limited`` reports, AIMD ``decreases``
        and the current ``rate_rpm``."""
        return ray.get(self.actor.snapshot.remote())
