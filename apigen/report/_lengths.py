"""Token lengths of exported training records, against a context limit."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from apigen.errors import ConfigError

__all__ = [
    "ESTIMATE",
    "Lengths",
    "estimate_tokens",
    "record_lengths",
    "summarise_lengths",
    "tokenizer_counter",
]

ESTIMATE = "estimated: characters / 4"
_BINS = 24


@dataclass(frozen=True)
class Lengths:
    """Token lengths of ``measured`` records (of ``available``), how they were counted."""

    method: str
    measured: int
    available: int
    limit: int | None
    over_limit: int
    p50: int
    p90: int
    p99: int
    longest: int
    bins: tuple[tuple[int, int, int], ...]
    """``(low, high, records)``: records of ``low`` to ``high - 1`` tokens."""


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` estimated as characters / 4, rounded up."""
    return math.ceil(len(text) / 4)


def tokenizer_counter(path: Path) -> tuple[Callable[[str], int], str]:
    """A counter from a Hugging Face ``tokenizer.json`` (needs the ``tokenizers``
    package), and its description; :class:`ConfigError` if it cannot be loaded."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ConfigError("needs the tokenizers package", field="--tokenizer") from None
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # the library raises bare Exceptions for bad files
        raise ConfigError(f"cannot load {path}: {exc}", field="--tokenizer") from None
    return (lambda text: len(tok.encode(text).ids)), f"tokenizer {path.name}"


def _pct(values: list[int], q: float) -> int:
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)] if values else 0


def record_lengths(
    records: Iterable[str],
    *,
    limit: int | None = None,
    available: int | None = None,
    count: Callable[[str], int] | None = None,
    method: str = ESTIMATE,
    top: int = 0,
) -> Lengths:
    """Lengths of ``records`` (each the text of one exported record) in tokens by
    ``count`` (default: characters / 4); ``available`` is how many records there
    were in all when ``records`` is a sample. See :func:`summarise_lengths`."""
    counter = count or estimate_tokens
    values = [counter(r) for r in records]
    return summarise_lengths(values, limit=limit, available=available, method=method, top=top)


def summarise_lengths(
    values: Iterable[int],
    *,
    limit: int | None = None,
    available: int | None = None,
    method: str = ESTIMATE,
    top: int = 0,
) -> Lengths:
    """Percentiles and a histogram of token lengths ``values``. Bins are even and
    round; the axis reaches the longest record, a ``limit`` (so the limit sits on
    it) and ``top`` (two runs compared pass their common longest, so they share bin
    edges)."""
    values = sorted(values)
    top = max([*values[-1:], limit or 0, top, 1])
    width = max(1, 10 ** math.floor(math.log10(top / _BINS)) if top >= _BINS else 1)
    for k in (1, 2, 2.5, 5, 10):
        if top / (k * width) <= _BINS:
            width = int(k * width)
            break
    edges = range(0, top + width, width)
    counts = [0] * len(edges)
    for v in values:
        counts[v // width] += 1
    return Lengths(
        method=method,
        measured=len(values),
        available=available if available is not None else len(values),
        limit=limit,
        over_limit=sum(v > limit for v in values) if limit else 0,
        p50=_pct(values, 0.5),
        p90=_pct(values, 0.9),
        p99=_pct(values, 0.99),
        longest=values[-1] if values else 0,
        bins=tuple((lo, lo + width, n) for lo, n in zip(edges, counts, strict=True)),
    )
