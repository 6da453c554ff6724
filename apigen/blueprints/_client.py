"""Per-role usage of phase 1 calls; the client protocol is :class:`apigen.llm.ModelClient`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apigen.llm import CompletionLike, ModelClient
from apigen.types import Message, Usage

__all__ = ["ModelClient", "UsageTally"]


class UsageTally:
    """Usage summed per role over one attempt (what :class:`AttemptResult` reports)."""

    def __init__(self) -> None:
        self.by_role: dict[str, Usage] = {}

    def add(self, role: str, usage: Usage) -> None:
        self.by_role[role] = self.by_role.get(role, Usage()) + usage

    async def call(
        self,
        client: ModelClient,
        role: str,
        model: str | None,
        prompt: str,
        context: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
    ) -> CompletionLike:
        """One single-message call (``params`` over the role's sampling parameters);
        returns the completion (text and ``reasoning_content``) and counts its usage."""
        answer = await client.complete(
            role, model, [Message(role="user", content=prompt)], params=params, context=context
        )
        self.add(role, answer.usage)
        return answer
