"""From stored messages to a checked conversation every exporter can encode."""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from apigen.export._records import ExportOptions
from apigen.types import Message, ToolCall

__all__ = [
    "Conversation",
    "InvalidRecord",
    "chat_messages",
    "json_text",
    "per_turn",
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
    trained: tuple[int, ...] = ()
    """Indexes of the assistant messages that carry loss (``ExportOptions.train_on``)."""
    provenance: dict[str, Any] | None = None


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
        if not msg.tool_calls:
            if not (msg.content or "").strip():
                bad(i, "empty assistant message")
            last = "assistant"
            continue
        ids = [c.id for c in msg.tool_calls]
        unique = set(ids)
        if None in unique:
            bad(i, "tool call without an id")
        if len(unique) != len(ids):
            bad(i, "duplicate tool call ids")
        pending = {x for x in unique if x is not None}
        last = "calls"
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


def _sequential(messages: list[Message]) -> list[Message]:
    """One tool call per assistant turn, each followed by its own result.

    Text and reasoning written alongside parallel calls stay with the first call.
    Requires validated messages (every call answered before the next turn).
    """
    out: list[Message] = []
    i = 0
    while i < len(messages):
        m = messages[i]
        i += 1
        if not (m.role == "assistant" and len(m.tool_calls) > 1):
            out.append(m)
            continue
        answers: dict[str | None, Message] = {}
        while i < len(messages) and messages[i].role == "tool":
            answers[messages[i].tool_call_id] = messages[i]
            i += 1
        for n, call in enumerate(m.tool_calls):
            first = n == 0
            update = {
                "tool_calls": (call,),
                "content": m.content if first else None,
                "reasoning": m.reasoning if first else None,
            }
            out += [m.model_copy(update=update), answers[call.id]]
    return out


_ALNUM = string.ascii_letters + string.digits


def _new_id(record_id: str, n: int, style: str) -> str:
    length = 9 if style == "alnum9" else 24
    digest = hashlib.blake2b(f"{record_id}#{n}".encode(), digest_size=32).digest()
    body = "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:length])
    return body if style == "alnum9" else f"call_{body}"


def _renumber(record_id: str, messages: list[Message], style: str) -> list[Message]:
    """Replace every call id (and the tool messages answering it) in ``style``."""
    ids: dict[str, str] = {}
    out: list[Message] = []
    for m in messages:
        if m.tool_calls:
            calls: list[ToolCall] = []
            for c in m.tool_calls:
                ids[str(c.id)] = _new_id(record_id, len(ids), style)
                calls.append(c.model_copy(update={"id": ids[str(c.id)]}))
            m = m.model_copy(update={"tool_calls": tuple(calls)})
        elif m.role == "tool" and m.tool_call_id in ids:
            m = m.model_copy(update={"tool_call_id": ids[m.tool_call_id]})
        out.append(m)
    return out


def _trained(messages: Sequence[Message], train_on: str) -> tuple[int, ...]:
    picks = [i for i, m in enumerate(messages) if m.role == "assistant"]
    if train_on == "final":
        return tuple(picks[-1:])
    if train_on == "tool-calls":
        return tuple(i for i in picks if messages[i].tool_calls)
    if train_on == "replies":
        return tuple(i for i in picks if not messages[i].tool_calls)
    return tuple(picks)


def prepare(
    record_id: str,
    domain: str,
    messages: Sequence[Message],
    tools: Sequence[dict[str, Any]],
    policy: str | None,
    options: ExportOptions,
    provenance: dict[str, Any] | None = None,
) -> Conversation:
    """Trim, add the policy as system prompt when missing, validate, then reshape.

    Reshaping follows ``options``: parallel calls made sequential, call ids renamed.
    Raises :class:`InvalidRecord` with the first problem (the skip reason).
    """
    msgs = _trim(messages)
    if policy and not (msgs and msgs[0].role == "system"):
        msgs.insert(0, Message(role="system", content=policy))
    problems = validate_messages(msgs) if msgs else ["no assistant reply"]
    if problems:
        raise InvalidRecord(problems[0])
    if options.parallel == "sequential":
        msgs = _sequential(msgs)
    if options.call_ids != "keep":
        msgs = _renumber(record_id, msgs, options.call_ids)
    trained = _trained(msgs, options.train_on)
    if not trained:
        raise InvalidRecord(f"no assistant turn to train on (--train-on {options.train_on})")
    return Conversation(
        record_id,
        domain,
        tuple(msgs),
        tuple(tools),
        options.reasoning == "keep",
        trained,
        provenance,
    )


def per_turn(conv: Conversation) -> list[Conversation]:
    """One conversation per trained assistant turn: its history and that turn only."""
    return [
        replace(conv, id=f"{conv.id}#{n}", messages=conv.messages[: i + 1], trained=(i,))
        for n, i in enumerate(conv.trained)
    ]


def think_prefix(msg: Message, keep: bool, text: str | None = None) -> str:
    """The assistant text (``text`` instead, when given), with ``<think>…</think>``
    before it when reasoning is kept."""
    text = (msg.content or "") if text is None else text
    if keep and msg.reasoning:
        return f"<think>\n{msg.reasoning}\n</think>\n\n{text}"
    return text


def tool_output(msg: Message) -> str:
    """A tool message's content as the string the model saw."""
    return msg.content if msg.content is not None else "null"


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_text(value: Any) -> str:
    """JSON text inside a record — tool-call arguments as a model emits them, a tool
    list as a string field: ``json.dumps`` spacing, UTF-8 kept (one reused encoder)."""
    return _ENCODER.encode(value)


def chat_messages(
    conv: Conversation, *, arguments: str, reasoning: str, weights: bool = False
) -> list[dict[str, Any]]:
    """Messages in the OpenAI chat shape every trainer reads.

    ``arguments``: ``object`` (a dict) or ``string`` (JSON text). ``reasoning``:
    ``field`` (``reasoning_content``) or ``think`` (a ``<think>`` prefix of the text),
    when the conversation keeps it. Tool messages carry ``name``; assistant messages
    always have ``content`` (``""`` beside tool calls); ``tool_calls`` only when there
    are some (templates test ``is defined``). ``weights``: ``weight`` 0/1 on every
    assistant message from ``conv.trained``.
    """
    out: list[dict[str, Any]] = []
    trained = set(conv.trained)
    for i, m in enumerate(conv.messages):
        if m.role == "tool":
            msg: dict[str, Any] = {"role": "tool", "tool_call_id": m.tool_call_id}
            if m.name is not None:
                msg["name"] = m.name
            msg["content"] = tool_output(m)
            out.append(msg)
            continue
        if m.role != "assistant":
            out.append({"role": m.role, "content": m.content or ""})
            continue
        think = reasoning == "think" and conv.keep_reasoning
        msg = {"role": "assistant", "content": think_prefix(m, think)}
        if m.tool_calls:
            msg["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": (
                            dict(c.arguments) if arguments == "object" else json_text(c.arguments)
                        ),
                    },
                }
                for c in m.tool_calls
            ]
        if reasoning == "field" and conv.keep_reasoning and m.reasoning:
            msg["reasoning_content"] = m.reasoning
        if weights:
            msg["weight"] = int(i in trained)
        out.append(msg)
    return out
