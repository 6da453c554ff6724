"""Upper bounds on counts, seeds and free-JSON settings (checked before a run row exists)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_COUNT", "MAX_FREE_JSON_BYTES", "MAX_ITEMS", "MAX_SEED", "check_json_size"]

MAX_ITEMS = 1_000_000
"""Most work items (``n``) one run or command plans (one million)."""
MAX_SEED = 2**31 - 1
"""Largest seed: it is stored in a 32-bit integer column on every database."""
MAX_COUNT = 10_000
"""Most of any per-run count that sizes memory or processes (trials, workers,
concurrency, batch size, feedback rounds)."""
MAX_FREE_JSON_BYTES = 64 * 1024
"""Largest serialised free-JSON setting (e.g. ``params.extra``), in bytes (64 KiB)."""


def check_json_size(value: Any, *, limit: int = MAX_FREE_JSON_BYTES) -> Any:
    """``value`` unchanged, or ``ValueError`` when its JSON form exceeds ``limit`` bytes.

    Shaped as a pydantic ``AfterValidator``; the value has already been loaded
    through the bounded loader, so serialising it is cheap.
    """
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode())
    if size > limit:
        raise ValueError(f"{size:,} bytes of JSON, more than the {limit:,}-byte limit")
    return value
