"""The run-wide rate broker: leases within budget, AIMD on 429s, pauses on Retry-After."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import ray

from apigen.runner import AIMD, BrokerCore, LeasedLimiter, ModelLimits


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def drain(broker: BrokerCore, clock: Clock, seconds: float, step: float = 0.05) -> int:
    """Lease as fast as allowed for ``seconds`` of fake time; return permits granted."""
    granted = 0
    end = clock.now + seconds
    while clock.now < end:
        got, _ = broker.lease("m", 8, 10)
        granted += got
        clock.now += step
    return granted


def test_leases_stay_within_the_limit() -> None:
    clock = Clock()
    broker = BrokerCore({"m": ModelLimits(rpm=1200)}, clock=clock)
    granted = drain(broker, clock, 30.0)
    # 20 per second for 30 s, plus at most one second of initial burst
    assert 600 <= granted <= 620


def test_unlimited_models_are_not_counted() -> None:
    broker = BrokerCore({})
    assert broker.lease("other", 5, 100) == (5, 0.0)


def test_token_budget_bounds_requests() -> None:
    clock = Clock()
    broker = BrokerCore({"m": ModelLimits(tpm=6000)}, clock=clock)  # 100 tokens/s
    granted = drain(broker, clock, 10.0)
    assert 100 <= granted <= 115  # 10 tokens per request


def test_aimd_decreases_on_429_then_recovers() -> None:
    clock = Clock()
    broker = BrokerCore({"m": ModelLimits(rpm=600)}, AIMD(decrease=0.5, increase=0.1), clock=clock)
    assert broker.rate("m") is None  # not seen yet
    broker.lease("m", 1, 1)
    assert broker.rate("m") == pytest.approx(600)
    broker.report("m", True)
    broker.report("m", True)  # within the cooldown: one signal
    assert broker.rate("m") == pytest.approx(300)
    clock.now += 2.0
    broker.report("m", True)  # 2 s of additive increase, then halved
    assert broker.rate("m") == pytest.approx((300 + 0.1 * 600 * 2) * 0.5)
    clock.now += 5.0
    broker.lease("m", 1, 1)
    assert broker.rate("m") == pytest.approx(210 + 0.1 * 600 * 5)
    clock.now += 60.0
    broker.lease("m", 1, 1)
    assert broker.rate("m") == pytest.approx(600)  # capped at the configured limit


def test_retry_after_pauses_the_model() -> None:
    clock = Clock()
    broker = BrokerCore({"m": ModelLimits(rpm=600)}, clock=clock)
    broker.report("m", True, retry_after=3.0)
    got, wait = broker.lease("m", 4, 1)
    assert got == 0 and wait == pytest.approx(3.0)
    clock.now += 3.1
    assert broker.lease("m", 4, 1)[0] > 0


@pytest.mark.usefixtures("ray_local")
def test_leased_limiter_over_a_broker_actor() -> None:
    limits = {"m": ModelLimits(rpm=600)}
    actor: Any = ray.remote(num_cpus=0)(BrokerCore).remote(limits, AIMD(lease_s=0.1))
    limiter = LeasedLimiter(actor, limits, batch=4)

    async def go() -> float:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.gather(*(limiter.acquire("m", 10) for _ in range(20)))
        await limiter.acquire("free", 10)  # unlimited: never reaches the broker
        return loop.time() - t0

    elapsed = asyncio.run(go())
    # 10 per second after a one-second burst of 10: 20 permits cannot come sooner than
    # about a second (a lower bound only: a loaded machine may take longer)
    assert elapsed >= 0.5
    stats = ray.get(actor.__ray_call__.remote(lambda self: self.stats))
    assert "free" not in stats and stats["m"]["leased"] >= 20


def test_request_larger_than_the_token_bucket_is_still_admitted() -> None:
    clock = Clock()
    broker = BrokerCore({"m": ModelLimits(tpm=30_000)}, clock=clock)  # 500 tokens/s bucket
    got, _ = broker.lease("m", 1, 600)
    assert got == 1  # charged a full bucket
    got, wait = broker.lease("m", 1, 600)
    assert got == 0 and wait > 0.5  # waits for the refill instead of spinning
    clock.now += wait
    assert broker.lease("m", 1, 600)[0] == 1
