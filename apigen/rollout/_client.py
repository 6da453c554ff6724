"""What phase 2 needs from the LLM client: its protocol, per-role usage, seeds."""

from __future__ import annotations

import hashlib

from apigen.llm import CompletionLike, ModelClient, OutputErrorLike, RoleUsage

__all__ = [
    "CompletionLike",
    "ModelClient",
    "OutputErrorLike",
    "RoleUsage",
    "derive_seed",
]


def derive_seed(seed: int, *parts: object) -> int:
    """A 32-bit seed determined by ``seed`` and ``parts`` (stable across processes)."""
    text = ":".join([str(seed), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
