"""From stored messages to a checked conversation every exporter can encode."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from apigen.types import Message

__all__ = [
    "Conversation",
    "InvalidRecord",
    "arguments_json",
    "prepare",
    "think_prefix",
    "tool_output",
    "validate_messages",
]


class InvalidRecord(ValueError):
    """A record that cannot be exported; the message is the skip reason."""


@dataclass(frozen=True)
class Conversation:
    """A validated conversation: a system message first when there is one, and tools."""

    id: str
    domain: str
    messages: tuple[Message, ...]
    tools: tuple[dict[str, Any], ...]
    """OpenAI function definitions, distractors included."""
    keep_reasoning: bool


def validate_messages(messages: Sequence[Message]) -> list[str]:
    """Why ``messages`` is not a legal training conversation (empty list: it is).

    Legal: an optional system message first; then user and assistant turns that
    alternate; an assistant message with tool calls (each with a unique id) is
    followed by exactly one tool message per call, answering those ids, before the
    next user or assistant message; the conversation ends with an assistant reply.
    """
    problems: list[str] = []
    pending: set[str] = set()
    last = "system"

    def bad(i: int, what: str) -> None:
        problems.append(f"{what} (message {i})")

    for i, msg in enumerate(messages):
        if msg.role == "system":
            if i != 0:
                bad(i, "system message after the start")
            continue
        if msg.role == "tool":
            if msg.tool_call_id is None or msg.tool_call_id not in pending:
                bad(i, "tool message answers no open tool call")
            else:
                pending.discard(msg.tool_call_id)
            last = "tool"
            continue
        if pending:
            bad(i, "tool calls left unanswered")
            pending.clear()
        if msg.role == "user":
            if last == "user":
                bad(i, "two user messages in a row")
            if msg.tool_calls:
                bad(i, "user message with tool calls")
            last = "user"
            continue
        if last == "system":
            bad(i, "conversation does not start with a user message")
        if last == "assistant":
            bad(i, "two assistant messages in a row")
        ids = [c.id for c in msg.tool_calls]
        if any(x is None for x in ids):
            bad(i, "tool call without an id")
        if len(set(ids)) != len(ids):
            bad(i, "duplicate tool call ids")
        if not msg.tool_calls and not (msg.content or "").strip():
            bad(i, "empty assistant message")
        pending = {x for x in ids if x is not None}
        last = "assistant" if not msg.tool_calls else "calls"
    if pending:
        bad(len(messages), "tool calls left unanswered")
    if last != "assistant":
        bad(len(messages), "conversation does not end with an assistant reply")
    return problems


def _trim(messages: Sequence[Message]) -> list[Message]:
    """Drop what follows the last plain assistant reply (e.g. the human's stop signal)."""
    end = len(messages)
    while end and not (messages[end - 1].role == "assistant" and not messages[end - 1].tool_calls):
        end -= 1
    return list(messages[:end])


def prepare(
    record_id: str,
    domain: str,
    messages: Sequence[Message],
    tools: Sequence[dict[str, Any]],
    policy: str | None,
    *,
    keep_reasoning: bool,
) -> Conversation:
    """Trim, add the policy as system prompt when missing, and validate.

    Raises :class:`InvalidRecord` with the first problem (the skip reason).
    """
    msgs = _trim(messages)
    if policy and not (msgs and msgs[0].role == "system"):
        msgs.insert(0, Message(role="system", content=policy))
    problems = validate_messages(msgs) if msgs else ["no assistant reply"]
    if problems:
        raise InvalidRecord(problems[0])
    return Conversation(record_id, domain, tuple(msgs), tuple(tools), keep_reasoning)


def think_prefix(msg: Message, keep: bool) -> str:
    """The assistant text, with ``<think>…</think>`` before it when reasoning is kept."""
    text = msg.content or ""
    if keep and msg.reasoning:
        return f"<think>\n{msg.reasoning}\n</think>\n\n{text}"
    return text


def tool_output(msg: Message) -> str:
    """A tool message's content as the string the model saw."""
    return msg.content if msg.content is not None else "null"


def arguments_json(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, ensure_ascii=False)
