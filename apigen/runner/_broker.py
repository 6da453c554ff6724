"""The run-wide rate broker as a Ray actor, for drivers that call :func:`execute` themselves."""

from __future__ import annotations

from typing import Any

import ray

from apigen.runner._limiter import AIMD, BrokerCore, ModelLimits

__all__ = ["RateBroker"]


class _BrokerActor(BrokerCore):
    """The actor body: the broker's logic plus a way to read its statistics."""

    def snapshot(self) -> dict[str, dict[str, float | None]]:
        return {m: {**s, "rate_rpm": self.rate(m)} for m, s in self.stats.items()}


class RateBroker:
    """One :class:`BrokerCore` in a Ray actor, shared by every worker of a run.

    Pass ``broker.actor`` and ``broker.limits`` to :func:`execute`; each worker then
    gets a :class:`LeasedLimiter` over it. Ray must already be initialised.
    """

    def __init__(self, limits: dict[str, ModelLimits], aimd: AIMD | None = None) -> None:
        self.limits = limits
        self.actor: Any = ray.remote(num_cpus=0)(_BrokerActor).remote(limits, aimd or AIMD())

    def stats(self) -> dict[str, dict[str, float | None]]:
        """Per model: permits ``leased``, ``rate_limited`` reports, AIMD ``decreases``
        and the current ``rate_rpm``."""
        return ray.get(self.actor.snapshot.remote())
