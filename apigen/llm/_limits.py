"""Per-model rate limits: the :class:`RateLimiter` protocol and a token-bucket limiter."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = ["Limits", "RateLimiter", "TokenBucketLimiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """Admission control for model calls, per model name.

    The client calls :meth:`acquire` before every provider attempt and
    :meth:`report` after it. One implementation may serve many concurrent calls
    (and, for a run-wide limiter, many processes): both methods must be safe to
    call concurrently from any task.
    """

    async def acquire(self, model: str, tokens: int) -> None:
        """Wait until one request of about ``tokens`` tokens (prompt estimate plus
        expected completion) may be sent to ``model`` under its limits, then
        account for it. Models without limits return at once. Must not raise for
        a request larger than the per-minute token limit: it waits until the
        bucket has refilled enough, then proceeds. Cancelling the waiting task
        is allowed and leaves the limiter consistent.
        """
        ...

    def report(
        self,
        model: str,
        *,
        rate_limited: bool,
        retry_after: float | None = None,
        tokens_used: int | None = None,
        tokens_estimated: int | None = None,
    ) -> None:
        """Tell the limiter how an admitted attempt went; never blocks, never raises.

        ``rate_limited=True``: the provider answered 429; the limiter should hold
        back further requests to ``model`` for ``retry_after`` seconds (or a
        policy default when ``None``). ``tokens_used`` / ``tokens_estimated``:
        the true token count of a successful attempt next to the estimate given
        to :meth:`acquire`, so the limiter can correct its books.
        """
        ...


@dataclass(frozen=True)
class Limits:
    """Limits of one model: requests and tokens per minute (``None`` = unlimited)."""

    rpm: int | None = None
    tpm: int | None = None


class _Bucket:
    """A token bucket that may go into debt: a caller reserves, then sleeps off the debt."""

    __slots__ = ("level", "per_minute", "stamp")

    def __init__(self, per_minute: int, now: float) -> None:
        self.per_minute = float(per_minute)
        self.level = self.per_minute
        self.stamp = now

    def reserve(self, amount: float, now: float) -> float:
        """Take ``amount``; return seconds until the bucket is out of debt."""
        rate = self.per_minute / 60.0
        self.level = min(self.per_minute, self.level + (now - self.stamp) * rate)
        self.stamp = now
        self.level -= amount
        return 0.0 if self.level >= 0 else -self.level / rate

    def credit(self, amount: float) -> None:
        self.level = min(self.per_minute, self.level + amount)


class TokenBucketLimiter:
    """In-process :class:`RateLimiter`: one request bucket and one token bucket per model.

    Buckets start full (a minute's worth) and refill continuously. A caller
    reserves its share at once under a thread lock and then sleeps off any debt,
    so waiting callers are served in arrival order and the limiter works from any
    thread or event loop. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        limits: Callable[[str], Limits] | dict[str, Limits] | None = None,
        *,
        rate_limited_pause_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if isinstance(limits, dict):
            table = limits
            self._limits: Callable[[str], Limits] = lambda m: table.get(m, _UNLIMITED)
        else:
            self._limits = limits or (lambda m: _UNLIMITED)
        self._pause = rate_limited_pause_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._requests: dict[str, _Bucket | None] = {}
        self._tokens: dict[str, _Bucket | None] = {}
        self._held_until: dict[str, float] = {}

    def _buckets(self, model: str, now: float) -> tuple[_Bucket | None, _Bucket | None]:
        if model not in self._requests:
            limits = self._limits(model)
            self._requests[model] = _Bucket(limits.rpm, now) if limits.rpm else None
            self._tokens[model] = _Bucket(limits.tpm, now) if limits.tpm else None
        return self._requests[model], self._tokens[model]

    async def acquire(self, model: str, tokens: int) -> None:
        """See :meth:`RateLimiter.acquire`."""
        with self._lock:
            now = self._clock()
            requests, token_bucket = self._buckets(model, now)
            wait = max(self._held_until.get(model, 0.0) - now, 0.0)
            if requests is not None:
                wait = max(wait, requests.reserve(1, now))
            if token_bucket is not None:
                wait = max(wait, token_bucket.reserve(max(tokens, 0), now))
        if wait > 0:
            await self._sleep(wait)

    def report(
        self,
        model: str,
        *,
        rate_limited: bool,
        retry_after: float | None = None,
        tokens_used: int | None = None,
        tokens_estimated: int | None = None,
    ) -> None:
        """See :meth:`RateLimiter.report`."""
        with self._lock:
            if rate_limited:
                until = self._clock() + (retry_after if retry_after is not None else self._pause)
                self._held_until[model] = max(self._held_until.get(model, 0.0), until)
            bucket = self._tokens.get(model)
            if bucket is not None and tokens_used is not None and tokens_estimated is not None:
                bucket.credit(tokens_estimated - tokens_used)


_UNLIMITED = Limits()
