"""A scripted stand-in for ``LLMClient.complete``: each role answers from a queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apigen.types import Message, ToolCall, Usage


@dataclass(frozen=True)
class Bad:
    """A malformed tool call (what ``apigen.llm.OutputError`` carries)."""

    kind: str
    message: str
    call_id: str | None = None
    tool: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning: str | None = None
    errors: tuple[Bad, ...] = ()
    delay: float = 0.0

    @property
    def usage(self) -> Usage:
        return Usage(calls=1, prompt_tokens=10, completion_tokens=5)


def call(name: str, call_id: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments, id=call_id)


Step = Reply | BaseException | Callable[[list[Message], Mapping[str, Any]], Reply]


@dataclass
class Scripted:
    """Answers each role from its script, in order; records every request."""

    script: dict[str, list[Step]]
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def complete(
        self,
        role: str,
        model: str | None,
        messages: Iterable[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Reply:
        msgs = list(messages)
        self.requests.append(
            {
                "role": role,
                "model": model,
                "messages": msgs,
                "tools": tools,
                "params": params,
                "context": context,
            }
        )
        queue = self.script.get(role)
        if not queue:
            raise AssertionError(f"script for {role!r} ran out")
        step = queue.pop(0)
        if isinstance(step, BaseException):
            raise step
        reply = step(msgs, context or {}) if callable(step) else step
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return reply
