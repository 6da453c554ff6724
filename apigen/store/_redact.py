"""Secrets never reach the database: redact run configurations before storing them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "redact_config", "redact_text"]

REDACTED = "***"

_SECRET_KEY = re.compile(r"key|token|secret|passw|credential|authoriz|^auth$|bearer", re.I)
# scheme://user:password@host  -> scheme://user:***@host
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/\s:@]*:)(?P<pw>[^@\s/]+)(?=@)", re.I)
# ?password=...&  or  api_key=...  inside URLs and DSNs
_QUERY_SECRET = re.compile(
    r"(?P<head>\b[\w\-]*(?:password|passwd|secret|token|api[_-]?key)[\w\-]*=)(?P<pw>[^&\s;]+)",
    re.I,
)


def redact_text(text: str) -> str:
    """``text`` with passwords inside URLs and ``password=``-style parameters replaced."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
    return _QUERY_SECRET.sub(lambda m: m["head"] + REDACTED, text)


def _secret_name(name: str) -> bool:
    # ``api_key_env: OPENAI_API_KEY`` names where a secret lives; it is not one.
    return bool(_SECRET_KEY.search(name)) and not name.lower().endswith("_env")


def redact_config(value: Any, *, _name: str = "") -> Any:
    """A JSON-ready copy of ``value`` with secrets replaced by ``"***"``.

    A value is a secret when its key names one (contains key, token, secret,
    password, credential, authorization) and it is text; numbers keep (``max_tokens: 512``),
    and so do names of environment variables (keys ending in ``_env``).
    Passwords inside URLs and DSNs are redacted wherever they appear.
    Objects with ``model_dump`` (pydantic settings) and ``get_secret_value``
    (``SecretStr``) are handled.
    """
    if hasattr(value, "get_secret_value"):
        return REDACTED
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="python")
    if isinstance(value, Mapping):
        return {str(k): redact_config(v, _name=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_config(v, _name=_name) for v in value]
    if isinstance(value, str):
        if value and _secret_name(_name):
            return REDACTED
        return redact_text(value)
    if isinstance(value, bytes):
        return REDACTED if _secret_name(_name) else value.decode("utf-8", "replace")
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))
