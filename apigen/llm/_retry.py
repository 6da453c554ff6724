"""The retry policy: tenacity, retrying only what :class:`ProviderError` calls retryable."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from apigen.errors import ProviderError
from apigen.llm._config import RetrySettings

__all__ = ["Tries", "with_retries"]


@dataclass(slots=True)
class Tries:
    """How many attempts a call made (readable after it raised, too)."""

    count: int = 0


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.retryable


class BackoffWait:
    """Full-jitter exponential backoff, never shorter than the provider's Retry-After.

    Wait after attempt ``n``: uniform in ``[0, min(cap, initial · 2^(n-1))]``, raised
    to the error's ``retry_after`` (capped at ``retry_after_cap``) when it has one.
    """

    def __init__(self, initial: float, cap: float, retry_after_cap: float) -> None:
        self.initial, self.cap, self.retry_after_cap = initial, cap, retry_after_cap

    def __call__(self, state: RetryCallState) -> float:
        backoff = random.uniform(0, min(self.cap, self.initial * 2 ** (state.attempt_number - 1)))
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        hint = getattr(exc, "retry_after", None)
        return max(backoff, min(hint, self.retry_after_cap)) if hint is not None else backoff


async def with_retries(
    once: Callable[[], Awaitable[Any]],
    settings: RetrySettings,
    max_attempts: int,
    tries: Tries,
) -> Any:
    """Run ``once`` (which raises :class:`ProviderError` on failure) under the policy.

    Retryable errors are retried up to ``max_attempts`` attempts in all; others and
    the last error propagate unchanged. ``tries.count`` holds the attempts made.

    The first attempt runs before tenacity is set up: most calls succeed at once
    and should not pay for the retry machinery. A retryable failure hands over to
    tenacity, which replays it as attempt 1 and owns every wait and attempt after it.
    """
    tries.count = 1
    try:
        return await once()
    except ProviderError as exc:
        if not exc.retryable or max_attempts == 1:
            raise
        replay = [exc]
    retrying = AsyncRetrying(
        stop=stop_after_attempt(max_attempts),
        wait=BackoffWait(settings.initial_wait_s, settings.max_wait_s, settings.max_retry_after_s),
        retry=retry_if_exception(_is_retryable),
        reraise=True,
    )
    tries.count = 0
    async for attempt in retrying:
        with attempt:
            tries.count += 1
            if replay:
                raise replay.pop()
            return await once()
    raise AssertionError("unreachable: tenacity re-raises the last error")
