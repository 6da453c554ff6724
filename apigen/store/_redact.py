"""Secrets never reach the database: redact run configurations before storing them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "redact_config", "redact_text"]

REDACTED = "***"

_SECRET_KEY = re.compile(
    r"key|token|secret|passw|credential|authoriz|^auth$|bearer|cookie|session|signature", re.I
)
# scheme://user:password@host  -> scheme://user:***@host
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^/\s:@]*:)(?P<pw>[^@\s/]+)(?=@)", re.I)
# ?password=...&  or  api_key=...  inside DSNs and query strings
_QUERY_SECRET = re.compile(
    r"(?P<head>\b[\w\-]*(?:password|passwd|secret|token|api[_-]?key)[\w\-]*=)(?P<pw>[^&#\s;]+)",
    re.I,
)
# any parameter of a URL query string whose name is a secret's: ?key=... &sig=... &auth=...
_URL_QUERY_SECRET = re.compile(
    r"(?P<head>[?&;](?:[\w\-.]*(?:key|token|secret|pass|pwd|auth|sig|signature|session|cookie"
    r"|credential|code)[\w\-.]*)=)(?P<pw>[^&#\s;]+)",
    re.I,
)
# header lines inside text: "Authorization: Bearer x", "Cookie: a=b; c=d"
_HEADER_SECRET = re.compile(
    r"(?P<head>\b(?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key|api-key)\s*[:=]\s*)"
    r"(?P<pw>[^\r\n\"',}]+)",
    re.I,
)
_BEARER = re.compile(r"(?P<head>\bbearer\s+)(?P<pw>[A-Za-z0-9._~+/=\-]+)", re.I)


def redact_text(text: str) -> str:
    """``text`` with secrets replaced: passwords inside URLs, secret-named URL query
    parameters (``?key=``, ``&access_token=``, ``&sig=`` ...), ``password=``-style DSN
    parameters, ``Authorization``/``Cookie`` header values and bearer tokens."""
    for pattern in (_URL_PASSWORD, _QUERY_SECRET, _URL_QUERY_SECRET, _HEADER_SECRET, _BEARER):
        text = pattern.sub(lambda m: m["head"] + REDACTED, text)
    return text


def _secret_name(name: str) -> bool:
    # ``api_key_env: OPENAI_API_KEY`` names where a secret lives; it is not one.
    return bool(_SECRET_KEY.search(name)) and not name.lower().endswith("_env")


def redact_config(value: Any, *, _name: str = "") -> Any:
    """A JSON-ready copy of ``value`` with secrets replaced by ``"***"``.

    A value is a secret when its key names one (contains key, token, secret,
    password, credential, authorization, cookie, session, signature) and it is text;
    numbers keep (``max_tokens: 512``), and so do names of environment variables (keys
    ending in ``_env``). In every other string, :func:`redact_text` replaces passwords
    inside URLs, secret-named URL query parameters, DSN passwords, header values and
    bearer tokens.
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
