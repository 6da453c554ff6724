"""The retry policy on its own: what is retried, how often, how long it waits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tenacity import RetryCallState

from apigen.errors import ProviderError
from apigen.llm import RetrySettings
from apigen.llm._retry import BackoffWait, Tries, with_retries

FAST = RetrySettings(initial_wait_s=0.001, max_wait_s=0.002)


def _failing(*errors: ProviderError, result: str = "ok") -> tuple[Any, list[int]]:
    calls: list[int] = []
    queue = list(errors)

    async def once() -> str:
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return result

    return once, calls


def _error(kind: str, retryable: bool, retry_after: float | None = None) -> ProviderError:
    return ProviderError(kind, kind=kind, retryable=retryable, retry_after=retry_after)


async def test_success_first_time_makes_one_attempt() -> None:
    once, calls = _failing()
    tries = Tries()
    assert await with_retries(once, FAST, 4, tries) == "ok"
    assert (len(calls), tries.count) == (1, 1)


async def test_retryable_errors_are_retried_until_success() -> None:
    once, calls = _failing(_error("server", True), _error("timeout", True))
    tries = Tries()
    assert await with_retries(once, FAST, 4, tries) == "ok"
    assert (len(calls), tries.count) == (3, 3)


async def test_non_retryable_error_fails_at_once() -> None:
    once, calls = _failing(_error("bad_request", False))
    tries = Tries()
    with pytest.raises(ProviderError, match="bad_request"):
        await with_retries(once, FAST, 4, tries)
    assert (len(calls), tries.count) == (1, 1)


async def test_non_retryable_after_retryable_stops() -> None:
    once, calls = _failing(_error("server", True), _error("auth", False))
    with pytest.raises(ProviderError, match="auth"):
        await with_retries(once, FAST, 5, Tries())
    assert len(calls) == 2


async def test_attempts_are_bounded_and_last_error_raised() -> None:
    once, calls = _failing(*[_error(f"server{n}", True) for n in range(5)])
    tries = Tries()
    with pytest.raises(ProviderError, match="server2"):
        await with_retries(once, FAST, 3, tries)
    assert (len(calls), tries.count) == (3, 3)


async def test_retry_after_is_waited() -> None:
    once, _ = _failing(_error("rate_limit", True, retry_after=0.15))
    started = time.monotonic()
    await with_retries(once, FAST, 2, Tries())
    assert time.monotonic() - started >= 0.15


def _state(attempt: int, exc: BaseException) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


def test_backoff_is_jittered_exponential_capped_and_respects_hints() -> None:
    wait = BackoffWait(initial=1.0, cap=8.0, retry_after_cap=30.0)
    plain = _error("server", True)
    assert all(0 <= wait(_state(1, plain)) <= 1.0 for _ in range(50))
    assert all(0 <= wait(_state(3, plain)) <= 4.0 for _ in range(50))
    assert all(0 <= wait(_state(10, plain)) <= 8.0 for _ in range(50))
    assert max(wait(_state(3, plain)) for _ in range(200)) > 2.0  # the range grows
    assert wait(_state(1, _error("rate_limit", True, retry_after=12.0))) >= 12.0
    assert wait(_state(1, _error("rate_limit", True, retry_after=600.0))) <= 30.0
