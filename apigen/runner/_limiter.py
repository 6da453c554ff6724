"""One rate limiter per run, shared by every Ray worker.

A :class:`RateBroker` actor holds each model's request and token budgets and
leases them to workers in small batches, so it sees a handful of calls per
second, not one per model call. Its effective rate follows AIMD: a 429 reported
by any worker multiplies the model's rate by ``decrease`` (at most once per
``cooldown_s``) and pauses it for the provider's Retry-After; every second
without a 429 adds ``increase`` × the configured limit back, up to the limit.

:class:`LeasedLimiter` is the worker side: it implements
:class:`apigen.llm.RateLimiter`, serving permits from its lease and asking the
broker for more when it runs dry.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["AIMD", "BrokerCore", "LeasedLimiter", "ModelLimits"]


@dataclass(frozen=True)
class ModelLimits:
    """Configured ceiling of one model (``None`` = unlimited)."""

    rpm: float | None = None
    tpm: float | None = None


@dataclass(frozen=True)
class AIMD:
    """How the shared rate adapts to 429s."""

    decrease: float = 0.7
    """Multiplier applied to the rate on a 429."""
    increase: float = 0.05
    """Share of the configured limit added back per second without a 429."""
    cooldown_s: float = 1.0
    """At most one decrease per this many seconds (a burst of 429s is one signal)."""
    floor: float = 0.05
    """The rate never drops below this share of the limit."""
    lease_s: float = 0.25
    """A lease covers about this many seconds of the current rate."""
    burst_s: float = 0.25
    """Requests the broker grants at once, in seconds of the limit. Kept well below a
    provider's own burst (typically a second or more): permits leased while a worker is
    slow to send (first-call start-up, a busy event loop) reach the provider together,
    and only this margin keeps them from overflowing its bucket."""


class _Budget:
    """A token bucket whose refill rate can change (AIMD)."""

    def __init__(self, limit_per_min: float, now: float, burst_s: float = 1.0) -> None:
        self.limit = limit_per_min / 60.0
        self.rate = self.limit
        self.capacity = max(1.0, self.limit * burst_s)
        self.level = self.capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, want: float, now: float) -> tuple[float, float]:
        """Grant up to ``want`` now; return (granted, seconds until one more unit)."""
        self.refill(now)
        granted = max(0.0, min(want, math.floor(self.level)))
        self.level -= granted
        wait = 0.0 if granted else (1.0 - self.level) / self.rate
        return granted, wait


class BrokerCore:
    """The broker's logic (the Ray actor wraps it; tests drive it directly)."""

    def __init__(
        self, limits: dict[str, ModelLimits], aimd: AIMD | None = None, clock: Any = time.monotonic
    ) -> None:
        self.limits = limits
        self.aimd = aimd or AIMD()
        self.clock = clock
        self._req: dict[str, _Budget] = {}
        self._tok: dict[str, _Budget] = {}
        self._paused_until: dict[str, float] = {}
        self._last_decrease: dict[str, float] = {}
        self._last_adjust: dict[str, float] = {}
        self.stats: dict[str, dict[str, float]] = {}

    def _budgets(self, model: str, now: float) -> tuple[_Budget | None, _Budget | None]:
        if model not in self._last_adjust:
            lim = self.limits.get(model, ModelLimits())
            if lim.rpm:
                self._req[model] = _Budget(lim.rpm, now, self.aimd.burst_s)
            if lim.tpm:
                self._tok[model] = _Budget(lim.tpm, now)
            self._last_adjust[model] = now
            self.stats[model] = {"leased": 0.0, "rate_limited": 0.0, "decreases": 0.0}
        return self._req.get(model), self._tok.get(model)

    def _increase(self, model: str, now: float) -> None:
        elapsed = now - self._last_adjust[model]
        self._last_adjust[model] = now
        for budget in (self._req.get(model), self._tok.get(model)):
            if budget is not None:
                budget.refill(now)
                budget.rate = min(
                    budget.limit, budget.rate + self.aimd.increase * budget.limit * elapsed
                )

    def rate(self, model: str) -> float | None:
        """Current request rate of ``model`` in requests per minute."""
        budget = self._req.get(model)
        return None if budget is None else budget.rate * 60.0

    def lease(self, model: str, requests: int, tokens: int) -> tuple[int, float]:
        """Grant up to ``requests`` permits of about ``tokens`` tokens each.

        Returns (granted, wait_s): with nothing granted, ``wait_s`` is when to ask again.
        """
        now = self.clock()
        req, tok = self._budgets(model, now)
        paused = self._paused_until.get(model, 0.0)
        if paused > now:
            return 0, paused - now
        self._increase(model, now)
        want = float(requests)
        if req is not None:
            rate_batch = max(1.0, req.rate * self.aimd.lease_s)
            want = min(want, rate_batch)
        wait = 0.0
        if req is not None:
            want, wait = req.take(want, now)
        if tok is not None and want > 0:
            # A request larger than the bucket is charged a full bucket, so it still
            # goes through once the bucket has refilled (it never waits forever).
            cost = min(float(max(1, tokens)), tok.capacity)
            granted_tokens, _ = tok.take(want * cost, now)
            fit = math.floor(granted_tokens / cost)
            if fit < want:  # give back what the token budget cannot cover
                if req is not None:
                    req.level += want - fit
                tok.level += granted_tokens - fit * cost
                want = float(fit)
                if fit == 0:
                    wait = max(wait, (cost - tok.level) / tok.rate)
        self.stats[model]["leased"] += want
        return int(want), wait

    def report(self, model: str, rate_limited: bool, retry_after: float | None = None) -> None:
        """A worker saw (or did not see) a 429 from ``model``."""
        if not rate_limited:
            return
        now = self.clock()
        self._budgets(model, now)
        self.stats[model]["rate_limited"] += 1
        if now - self._last_decrease.get(model, -1e9) >= self.aimd.cooldown_s:
            self._last_decrease[model] = now
            self._increase(model, now)  # credit the time before the 429, then restart
            self.stats[model]["decreases"] += 1
            for budget in (self._req.get(model), self._tok.get(model)):
                if budget is not None:
                    budget.refill(now)
                    budget.rate = max(
                        budget.limit * self.aimd.floor, budget.rate * self.aimd.decrease
                    )
                    budget.level = min(budget.level, 0.0)
        if retry_after:
            self._paused_until[model] = max(self._paused_until.get(model, 0.0), now + retry_after)


class LeasedLimiter:
    """Worker-side :class:`apigen.llm.RateLimiter` over a broker actor handle.

    Models without configured limits never reach the broker.
    """

    def __init__(self, broker: Any, limits: dict[str, ModelLimits], batch: int = 8) -> None:
        self._broker = broker
        self._limited = {m for m, lim in limits.items() if lim.rpm or lim.tpm}
        self._batch = batch
        self._permits: dict[str, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, model: str, tokens: int) -> None:
        if model not in self._limited:
            return
        lock = self._locks.setdefault(model, asyncio.Lock())
        async with lock:  # one lease request per model at a time; others queue here
            while self._permits.get(model, 0) <= 0:
                granted, wait = await self._broker.lease.remote(model, self._batch, tokens)
                if granted:
                    self._permits[model] = granted
                else:
                    await asyncio.sleep(min(max(wait, 0.005), 5.0))
            self._permits[model] -= 1

    def report(
        self,
        model: str,
        *,
        rate_limited: bool,
        retry_after: float | None = None,
        tokens_used: int | None = None,
        tokens_estimated: int | None = None,
    ) -> None:
        if rate_limited and model in self._limited:
            self._permits[model] = 0  # our lease was priced at a rate that proved too high
            self._broker.report.remote(model, True, retry_after)
