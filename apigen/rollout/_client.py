"""What phase 2 needs from the LLM client, and the per-episode usage it keeps."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from apigen.errors import ProviderError
from apigen.llm import CompletionLike, ModelClient, OutputErrorLike
from apigen.types import Message, Usage

__all__ = [
    "CompletionLike",
    "ModelClient",
    "OutputErrorLike",
    "UsageBook",
    "ask",
    "derive_seed",
]


def derive_seed(seed: int, *parts: object) -> int:
    """A 32-bit seed determined by ``seed`` and ``parts`` (stable across processes)."""
    text = ":".join([str(seed), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


class UsageBook:
    """Tokens and cost per role for one episode (or one blueprint's trials)."""

    def __init__(self) -> None:
        self._by_role: dict[str, Usage] = {}

    def add(self, role: str, usage: Usage) -> None:
        self._by_role[role] = self._by_role.get(role, Usage()) + usage

    def failed(self, role: str) -> None:
        """Count a call that raised ``ProviderError`` (no tokens known)."""
        self.add(role, Usage(calls=1, errors=1))

    def merge(self, other: Mapping[str, Usage]) -> None:
        for role, usage in other.items():
            self.add(role, usage)

    def snapshot(self) -> dict[str, Usage]:
        return dict(sorted(self._by_role.items()))

    @property
    def total_tokens(self) -> int:
        return sum(u.total_tokens for u in self._by_role.values())


async def ask(
    client: ModelClient,
    book: UsageBook,
    role: str,
    model: str | None,
    messages: list[Message],
    params: Mapping[str, Any] | None,
    context: Mapping[str, Any],
    *,
    tools: list[dict[str, Any]] | None = None,
) -> CompletionLike:
    """One model call whose usage (or failure) is booked under ``role``.

    Re-raises :class:`ProviderError` after counting it.
    """
    try:
        completion = await client.complete(
            role, model, messages, tools=tools, params=params, context=context
        )
    except ProviderError:
        book.failed(role)
        raise
    book.add(role, completion.usage)
    return completion
