"""What phase 2 needs from the LLM client, and the per-episode usage it keeps."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from apigen.errors import ProviderError
from apigen.types import Message, ToolCall, Usage

__all__ = [
    "CompletionLike",
    "ModelClient",
    "OutputErrorLike",
    "UsageBook",
    "ask",
    "derive_seed",
]


class OutputErrorLike(Protocol):
    """A malformed tool call the client left out of ``tool_calls``."""

    @property
    def kind(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def call_id(self) -> str | None: ...
    @property
    def tool(self) -> str | None: ...
    @property
    def raw(self) -> str | None: ...


class CompletionLike(Protocol):
    """The parts of :class:`apigen.llm.Completion` phase 2 reads."""

    @property
    def text(self) -> str | None: ...
    @property
    def tool_calls(self) -> tuple[ToolCall, ...]: ...
    @property
    def reasoning(self) -> str | None: ...
    @property
    def errors(self) -> Sequence[OutputErrorLike]: ...
    @property
    def usage(self) -> Usage: ...


class ModelClient(Protocol):
    """``LLMClient.complete``'s signature; raises ``ProviderError`` when a call fails."""

    async def complete(
        self,
        role: str,
        model: str | None,
        messages: Iterable[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> CompletionLike: ...


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
