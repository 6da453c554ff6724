"""The client protocol the phases code against: what :meth:`LLMClient.complete` offers.

Phases type their ``client`` parameter with :class:`ModelClient` so tests can pass a
scripted stand-in; :class:`apigen.llm.LLMClient` satisfies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from apigen.types import Message, ToolCall, Usage

__all__ = ["CompletionLike", "ModelClient", "OutputErrorLike"]


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
    """``LLMClient.complete``'s signature; raises ``ProviderError`` when a call fails.

    Phases name roles, never models: they pass ``model=None`` (the role's first
    model) or one of :meth:`members` (a committee asks each member)."""

    def members(self, role: str) -> tuple[str, ...]:
        """The models playing ``role``, in order (one per committee member)."""
        ...

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
