"""What phase 1 needs from :class:`apigen.llm.LLMClient`, and per-role usage accounting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from apigen.types import Message, Usage

__all__ = ["CompletionLike", "ModelClient", "UsageTally"]


class CompletionLike(Protocol):
    """The parts of :class:`apigen.llm.Completion` phase 1 reads."""

    @property
    def text(self) -> str | None: ...

    @property
    def usage(self) -> Usage: ...


class ModelClient(Protocol):
    """The call phase 1 makes: ``LLMClient.complete`` satisfies it."""

    async def complete(
        self,
        role: str,
        model: str | None,
        messages: list[Message],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> CompletionLike: ...


class UsageTally:
    """Usage summed per role over one attempt (what :class:`AttemptResult` reports)."""

    def __init__(self) -> None:
        self.by_role: dict[str, Usage] = {}

    def add(self, role: str, usage: Usage) -> None:
        self.by_role[role] = self.by_role.get(role, Usage()) + usage

    async def ask(
        self,
        client: ModelClient,
        role: str,
        model: str,
        prompt: str,
        context: Mapping[str, Any],
    ) -> str | None:
        """One single-message call; returns the answer's text and counts its usage."""
        answer = await client.complete(
            role, model, [Message(role="user", content=prompt)], context=context
        )
        self.add(role, answer.usage)
        return answer.text
