"""Word shingles with ids masked, MinHash signatures and an LSH near-duplicate index."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np

__all__ = ["MinHash", "NearDuplicates", "shingles"]

_ID = re.compile(r"\S+@\S+|#?\b(?=[\w-]*\d)[\w-]+\b")
"""E-mail addresses and tokens holding a digit (order ids, user ids, amounts)."""
_TOKEN = re.compile(r"<id>|[A-Za-z']+|[.!?]")
_EMPTY = 1 << 32


def _words(text: str) -> list[str]:
    """Lower-case words; ids masked as ``<id>``, capitalised words inside a sentence
    (names of people, products, cities) as ``<name>``; sentence marks dropped."""
    out: list[str] = []
    start = True
    for token in _TOKEN.findall(_ID.sub(" <id> ", text)):
        if token in ".!?":
            start = True
            continue
        out.append("<name>" if token[0].isupper() and not start and token != "I" else token.lower())
        start = False
    return out


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Word ``n``-grams of ``text`` with ids, e-mails and names masked."""
    words = _words(text)
    if len(words) < n:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


def _h(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


class MinHash:
    """``num_perm`` multiply-shift hash functions ``((a·h + b) mod 2⁶⁴) >> 32`` (``a``
    odd) seeded by ``seed``, evaluated for all shingles at once with numpy."""

    def __init__(self, num_perm: int = 64, seed: int = 0) -> None:
        self.num_perm = num_perm
        params = [_h(f"{seed}/{i}") for i in range(2 * num_perm)]
        self._a = np.array([params[2 * i] | 1 for i in range(num_perm)], dtype=np.uint64)
        self._b = np.array([params[2 * i + 1] for i in range(num_perm)], dtype=np.uint64)

    def signature(self, items: Iterable[str]) -> tuple[int, ...]:
        """The MinHash signature of a set (all ``2³²`` for the empty set)."""
        hashed = np.array([_h(x) for x in items], dtype=np.uint64)
        if not hashed.size:
            return (_EMPTY,) * self.num_perm
        values = (self._a[:, None] * hashed[None, :] + self._b[:, None]) >> np.uint64(32)
        return tuple(values.min(axis=1).tolist())

    @staticmethod
    def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
        """Estimated Jaccard similarity of the sets behind two signatures."""
        return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


class NearDuplicates:
    """Texts added one by one; each is checked against those before it (LSH bands of
    the MinHash signature find candidates, the signature estimate decides)."""

    def __init__(self, threshold: float = 0.8, bands: int = 16, num_perm: int = 64) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.threshold = threshold
        self._rows = num_perm // bands
        self._hasher = MinHash(num_perm)
        self._buckets: dict[tuple[int, tuple[int, ...]], list[str]] = {}
        self._sigs: dict[str, tuple[int, ...]] = {}

    def add(self, key: str, text: str) -> str | None:
        """The key of an earlier near-duplicate of ``text``, or ``None`` (``key`` added)."""
        sig = self._hasher.signature(shingles(text))
        bands = [
            (i, sig[i * self._rows : (i + 1) * self._rows]) for i in range(len(sig) // self._rows)
        ]
        seen: set[str] = set()
        for band in bands:
            for other in self._buckets.get(band, ()):
                if other not in seen:
                    seen.add(other)
                    if MinHash.similarity(sig, self._sigs[other]) >= self.threshold:
                        return other
        self._sigs[key] = sig
        for band in bands:
            self._buckets.setdefault(band, []).append(key)
        return None
