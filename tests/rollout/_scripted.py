"""A scripted stand-in for ``LLMClient.complete``: each role answers from a queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apigen.types import Blueprint, Message, ToolCall, Usage


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
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Members per role (:meth:`members`); a role not listed has one, ``scripted/<role>``."""

    def members(self, role: str) -> tuple[str, ...]:
        return self.roles.get(role, (f"scripted/{role}",))

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


BP = Blueprint(
    domain="toy",
    id="toy-deposit",
    instruction="You are user0@example.com. Deposit 100 dollars into account a0_0, "
    "then ask for the new balance.",
    actions=(
        ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
        ToolCall(name="get_account", arguments={"account_id": "a0_0"}),
        ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 100}),
    ),
    outputs=("876",),
    persona="A busy nurse.",
)


def good_script(
    deposit: ToolCall | None = None, confirm: str = "yes", final: str = "Your new balance is $876."
) -> dict[str, list[Step]]:
    return {
        "human": [
            Reply("Hi, I'd like to make a deposit."),
            Reply("user0@example.com"),
            Reply("100 dollars into a0_0."),
            Reply(confirm),
            Reply("Thanks! ###STOP###"),
        ],
        "agent": [
            Reply("Sure. What is your email address?"),
            Reply(tool_calls=(call("find_user", "c1", email="user0@example.com"),)),
            Reply("Thanks, you are verified. Which account, and how much?"),
            Reply(tool_calls=(call("get_account", "c2", account_id="a0_0"),)),
            Reply("Deposit 100 dollars into a0_0? Please confirm (yes/no)."),
            Reply(tool_calls=(deposit or call("deposit", "c3", account_id="a0_0", amount=100),)),
            Reply(final, reasoning="The deposit succeeded; report the balance."),
        ],
    }
