"""Map provider exceptions to :class:`apigen.errors.ProviderError` by type and status.

The decision never reads message text: the exception's class (litellm's and
openai's hierarchy), its ``status_code`` and its HTTP response headers.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Mapping
from typing import Any

from apigen.errors import ApigenError, ProviderError

__all__ = ["own_error", "parse_retry_after", "provider_error"]

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429})

# (litellm/openai class name, kind, retryable); the first class in the exception's
# MRO that appears here decides. Names, not classes, so this module does not
# import litellm; subclasses come before their bases.
_BY_CLASS: dict[str, tuple[str, bool]] = {
    "ContextWindowExceededError": ("context_window", False),
    "ContentPolicyViolationError": ("content_policy", False),
    "RateLimitError": ("rate_limit", True),
    "Timeout": ("timeout", True),
    "APITimeoutError": ("timeout", True),
    "TimeoutError": ("timeout", True),
    "AuthenticationError": ("auth", False),
    "PermissionDeniedError": ("auth", False),
    "NotFoundError": ("not_found", False),
    "BadRequestError": ("bad_request", False),
    "UnprocessableEntityError": ("bad_request", False),
    "ServiceUnavailableError": ("server", True),
    "BadGatewayError": ("server", True),
    "InternalServerError": ("server", True),
    "APIConnectionError": ("connection", True),
    "ConnectionError": ("connection", True),
}


def provider_error(exc: BaseException, *, model: str | None = None) -> ProviderError:
    """A :class:`ProviderError` describing ``exc`` (a litellm/openai/network error).

    ``kind`` is one of ``rate_limit``, ``timeout``, ``server``, ``connection``
    (all retryable), ``auth``, ``not_found``, ``bad_request``, ``context_window``,
    ``content_policy``, ``unknown`` (not retryable, except ``unknown`` with a
    retryable HTTP status: 408, 409, 425, 429, 5xx).
    """
    if isinstance(exc, ProviderError):
        return exc
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    kind, retryable = "unknown", False
    if isinstance(exc, asyncio.TimeoutError):
        kind, retryable = "timeout", True
    else:
        for cls in type(exc).__mro__:
            found = _BY_CLASS.get(cls.__name__)
            if found is not None:
                kind, retryable = found
                break
        else:
            if status is not None:
                retryable = status in _RETRYABLE_STATUS or status >= 500
                kind = "rate_limit" if status == 429 else "server" if status >= 500 else kind
    if kind == "connection":
        status = None  # litellm stamps 500 on connection errors; there was no response
    retry_after = parse_retry_after(_headers(exc)) if retryable else None
    where = f"{model}: " if model else ""
    return ProviderError(
        f"{where}{kind} ({type(exc).__name__}{f', HTTP {status}' if status else ''})",
        kind=kind,
        retryable=retryable,
        status_code=status,
        retry_after=retry_after,
    )


def own_error(exc: BaseException) -> ApigenError | None:
    """An apigen exception that ``exc`` is, or wraps (litellm re-raises what a
    custom provider such as ``sim`` raised as ``APIConnectionError``, keeping the
    original in ``__context__``). The client lets such errors through unchanged:
    a :class:`ProviderError` a sim model injected keeps its ``kind`` and
    ``retryable``; a :class:`UserError` (a bad sim knob) reaches the user at once.
    """
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, ApigenError):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _headers(exc: BaseException) -> Mapping[str, str]:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers:
        return headers
    for attr in ("headers", "litellm_response_headers"):
        value = getattr(exc, attr, None)
        if isinstance(value, Mapping) and value:
            return value
    return {}


def parse_retry_after(headers: Mapping[str, Any]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date)."""
    lowered = {str(k).lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
