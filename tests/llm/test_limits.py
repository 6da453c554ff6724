"""Token-bucket rate limiting per model, with a fake clock and under concurrency."""

from __future__ import annotations

import asyncio
import time

from apigen.llm import RateLimiter, TokenBucketLimiter
from apigen.llm._limits import Limits


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _limiter(clock: FakeClock, **limits: Limits) -> TokenBucketLimiter:
    return TokenBucketLimiter(dict(limits), clock=clock, sleep=clock.sleep)


async def test_rpm_allows_a_minute_of_burst_then_spaces_requests() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, m=Limits(rpm=60))
    for _ in range(60):
        await limiter.acquire("m", 0)
    assert clock.sleeps == []
    await limiter.acquire("m", 0)
    await limiter.acquire("m", 0)
    assert clock.sleeps == [1.0, 2.0]  # one request per second, queued in order
    clock.now = 10.0  # refilled 10 requests, minus the 2 already owed
    for _ in range(8):
        await limiter.acquire("m", 0)
    assert len(clock.sleeps) == 2


async def test_tpm_counts_tokens_and_can_be_corrected() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, m=Limits(tpm=600))
    await limiter.acquire("m", 500)
    await limiter.acquire("m", 200)  # 100 tokens of debt at 10 tokens/s
    assert clock.sleeps == [10.0]
    limiter.report("m", rate_limited=False, tokens_used=100, tokens_estimated=200)
    await limiter.acquire("m", 0)  # the 100 over-estimated tokens came back
    assert clock.sleeps == [10.0]


async def test_oversized_request_waits_instead_of_failing() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, m=Limits(tpm=60))
    await limiter.acquire("m", 120)
    assert clock.sleeps == [60.0]


async def test_models_are_independent_and_unlimited_by_default() -> None:
    clock = FakeClock()
    limiter = _limiter(clock, a=Limits(rpm=1))
    await limiter.acquire("a", 0)
    for _ in range(100):
        await limiter.acquire("b", 10**6)
    assert clock.sleeps == []


async def test_rate_limited_report_holds_the_model() -> None:
    clock = FakeClock()
    limiter = _limiter(clock)
    limiter.report("m", rate_limited=True, retry_after=2.5)
    await limiter.acquire("m", 0)
    await limiter.acquire("other", 0)
    assert clock.sleeps == [2.5]


async def test_concurrent_callers_never_exceed_the_rate() -> None:
    """Real clock: 40 concurrent callers against rpm=1200 (20/s, a burst of 20 at most)."""
    limiter = TokenBucketLimiter({"m": Limits(rpm=1200)})
    for _ in range(1200 - 5):  # drain the burst so only the refill rate remains
        await limiter.acquire("m", 0)
    start = time.monotonic()
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire("m", 0)
        stamps.append(time.monotonic() - start)

    await asyncio.gather(*(one() for _ in range(25)))
    # 5 left in the bucket, the other 20 at 20 per second: the last one after ~1 s
    assert len(stamps) == 25
    assert max(stamps) >= 0.95
    assert sorted(stamps)[4] < 0.1


def test_limiter_satisfies_protocol() -> None:
    assert isinstance(TokenBucketLimiter(), RateLimiter)


def test_reservations_from_many_threads_are_never_lost() -> None:
    """8 threads, each with its own event loop, share one limiter at a frozen clock:
    every request past the burst must owe exactly one more second than the last."""
    import threading

    clock = FakeClock()
    limiter = _limiter(clock, m=Limits(rpm=60))

    def worker() -> None:
        async def run() -> None:
            for _ in range(50):
                await limiter.acquire("m", 0)

        asyncio.run(run())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(clock.sleeps) == [float(n) for n in range(1, 8 * 50 - 60 + 1)]
