"""Response cache: request keys, the :class:`CacheBackend` protocol, two backends.

A key is the SHA-256 of the canonical JSON of (model, messages, tools, sampling
parameters, context digest). For ``sim/…`` models, which read the context, the
whole context takes part; its digest is the canonical JSON of the mapping with
pydantic records dumped and objects that offer ``state_hash()`` (a sandbox)
replaced by that hash. A context holding anything else cannot be digested and
the call is simply not cached. For real models only the call's identity takes
part (:data:`CALL_IDENTITY`: committee member, episode, round, re-ask), so copies
of one model on a committee, or the same prompt in two episodes, are separate
samples that never collapse into one cached answer, while a re-run of the same
call hits.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from apigen.types import canonical_json

__all__ = [
    "CALL_IDENTITY",
    "CacheBackend",
    "DiskCache",
    "MemoryCache",
    "call_identity",
    "context_digest",
    "request_key",
]

CALL_IDENTITY: tuple[str, ...] = ("member", "episode", "round", "retry")
"""Context keys that say which call this is (not what the model reads): a committee
member's index, the episode or attempt key, the feedback round, the re-ask number."""


@runtime_checkable
class CacheBackend(Protocol):
    """Stores serialised completions under request keys. Safe from any thread."""

    def get(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any previous value."""
        ...


class MemoryCache:
    """In-process LRU cache keeping at most ``max_entries`` values."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max = max_entries
        self._data: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class DiskCache:
    """Cache in one SQLite file (stdlib ``sqlite3``), shared by processes on one machine."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM completions WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO completions (key, value) VALUES (?, ?)", (key, value)
            )

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()


class _Undigestible(Exception):
    pass


def _digestible(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    state_hash = getattr(value, "state_hash", None)
    if callable(state_hash):
        return {"__state_hash__": state_hash()}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    raise _Undigestible(type(value).__name__)


def context_digest(context: Mapping[str, Any] | None) -> str | None:
    """A stable digest of ``context``; ``""`` for no context, ``None`` if it cannot be made."""
    if not context:
        return ""
    try:
        text = json.dumps(
            dict(context),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            default=_digestible,
        )
    except (_Undigestible, TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def call_identity(context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The :data:`CALL_IDENTITY` entries of ``context`` (what splits real-model keys)."""
    return {k: context[k] for k in CALL_IDENTITY if context and k in context}


def request_key(
    model: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    params: Mapping[str, Any],
    context_hash: str = "",
) -> str:
    """SHA-256 hex key of a request (OpenAI-shaped ``messages``/``tools``)."""
    payload = canonical_json([model, messages, tools or [], dict(params), context_hash])
    return hashlib.sha256(payload.encode()).hexdigest()
