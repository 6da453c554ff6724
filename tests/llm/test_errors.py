"""Provider exceptions map to ProviderError by type and status, never by text."""

from __future__ import annotations

import email.utils
import time

import httpx
import litellm
import pytest

from apigen.errors import ProviderError
from apigen.llm._errors import parse_retry_after, provider_error

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("exc", "kind", "retryable", "status"),
    [
        (
            litellm.RateLimitError("m", "openai", "x", response=_response(429)),
            "rate_limit",
            True,
            429,
        ),
        (litellm.Timeout("m", "x", "openai"), "timeout", True, 408),
        (TimeoutError(), "timeout", True, None),
        (litellm.APIConnectionError("m", "openai", "x"), "connection", True, None),
        (litellm.InternalServerError("m", "openai", "x"), "server", True, 500),
        (litellm.ServiceUnavailableError("m", "openai", "x"), "server", True, 503),
        (litellm.BadRequestError("m", "x", "openai"), "bad_request", False, 400),
        (litellm.ContextWindowExceededError("m", "x", "openai"), "context_window", False, 400),
        (litellm.AuthenticationError("m", "openai", "x"), "auth", False, 401),
        (litellm.NotFoundError("m", "x", "openai"), "not_found", False, 404),
        (litellm.APIError(502, "m", "openai", "x"), "server", True, 502),
        (litellm.APIError(418, "m", "openai", "x"), "unknown", False, 418),
        (ValueError("rate limit exceeded, retry"), "unknown", False, None),
    ],
)
def test_mapping_by_type_and_status(
    exc: BaseException, kind: str, retryable: bool, status: int | None
) -> None:
    error = provider_error(exc, model="openai/x")
    assert (error.kind, error.retryable, error.status_code) == (kind, retryable, status)
    assert str(error).startswith(f"openai/x: {kind}")


def test_retry_after_is_read_from_response_headers() -> None:
    exc = litellm.RateLimitError(
        "m", "openai", "x", response=_response(429, **{"retry-after": "3"})
    )
    assert provider_error(exc).retry_after == 3.0


def test_provider_error_passes_through() -> None:
    original = ProviderError("x", kind="server", retryable=True)
    assert provider_error(original) is original


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= (parse_retry_after({"retry-after": future}) or 0) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
