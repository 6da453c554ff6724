"""Conversion between :class:`apigen.types.Message` records and OpenAI chat dicts,
and the one parser of an assistant answer (:func:`read_answer`): ``<think>`` blocks
and ``reasoning_content`` go to ``reasoning``, never to the text the other side
reads; Anthropic ``thinking_blocks`` are kept whole to be sent back; for an endpoint
configured with ``text_tool_calls``, tool calls written as text (Hermes
``<tool_call>{...}</tool_call>``, Llama ``<|python_tag|>{...}``) become tool calls."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from apigen.llm._records import OutputError
from apigen.types import Message, ToolCall

__all__ = [
    "Answer",
    "TextToolCalls",
    "from_openai_message",
    "parse_tool_calls",
    "read_answer",
    "split_reasoning",
    "text_tool_calls",
    "to_openai_messages",
]

TextToolCalls = Literal["off", "hermes", "llama"]
"""How an endpoint writes tool calls it cannot return structured: ``off`` (never),
``hermes`` (``<tool_call>{"name": ..., "arguments": ...}</tool_call>``: vLLM without
a tool parser, Hermes / Qwen models) or ``llama`` (``<|python_tag|>`` or a bare
``{"name": ..., "parameters": ...}`` object: Llama 3.x)."""


def to_openai_messages(messages: Iterable[Message | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI chat dicts for ``messages``; dicts already in OpenAI shape pass through.

    Assistant tool calls carry their id (``call_<m>_<k>`` when the record has none)
    and JSON-string arguments; tool messages carry ``tool_call_id``. Reasoning
    text is not sent back to providers; Anthropic thinking blocks are (litellm
    forwards ``thinking_blocks`` to Anthropic, which needs them to continue a
    tool-use turn with extended thinking).
    """
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Message):
            out.append(dict(message))
            continue
        item: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            item["tool_calls"] = [
                {
                    "id": call.id or f"call_{index}_{k}",
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": json.dumps(call.arguments, ensure_ascii=False),
                    },
                }
                for k, call in enumerate(message.tool_calls)
            ]
        if message.thinking_blocks:
            item["thinking_blocks"] = [dict(b) for b in message.thinking_blocks]
        if message.tool_call_id is not None:
            item["tool_call_id"] = message.tool_call_id
        out.append(item)
    return out


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def parse_tool_calls(
    raw_calls: Iterable[Any] | None, tool_names: Collection[str] | None
) -> tuple[tuple[ToolCall, ...], tuple[OutputError, ...]]:
    """Split provider tool calls (dicts or litellm objects) into good calls and errors.

    ``tool_names=None`` accepts any name; otherwise a name outside it is an
    ``unknown_tool`` error. Arguments must decode to a JSON object (an empty
    string counts as ``{}``), else the call is an ``invalid_json`` error.
    """
    calls: list[ToolCall] = []
    errors: list[OutputError] = []
    for raw in raw_calls or ():
        function = _get(raw, "function")
        call_id = _get(raw, "id")
        name = _get(function, "name") if function is not None else None
        arguments = _get(function, "arguments") if function is not None else None
        raw_text = arguments if isinstance(arguments, str) or arguments is None else None
        if not name or (tool_names is not None and name not in tool_names):
            offered = ", ".join(sorted(tool_names or ())) or "none"
            errors.append(
                OutputError(
                    kind="unknown_tool",
                    message=f"unknown tool {name!r} (available: {offered})",
                    call_id=call_id,
                    tool=name or None,
                    raw=raw_text if raw_text is not None else json.dumps(arguments),
                )
            )
            continue
        parsed, problem = _decode_arguments(arguments)
        if problem is not None:
            errors.append(
                OutputError(
                    kind="invalid_json",
                    message=f"arguments of {name!r} {problem}",
                    call_id=call_id,
                    tool=name,
                    raw=raw_text,
                )
            )
            continue
        calls.append(ToolCall(name=name, arguments=parsed, id=call_id))
    return tuple(calls), tuple(errors)


def _decode_arguments(arguments: Any) -> tuple[dict[str, Any], str | None]:
    if isinstance(arguments, Mapping):
        return dict(arguments), None
    if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
        return {}, None
    if not isinstance(arguments, str):
        return {}, f"must be a JSON object, got {type(arguments).__name__}"
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError as exc:
        return {}, f"are not valid JSON ({exc.msg} at position {exc.pos})"
    if not isinstance(value, dict):
        return {}, f"must be a JSON object, got {type(value).__name__}"
    return value, None


def from_openai_message(
    message: Mapping[str, Any] | Any,
    *,
    tools: Iterable[Mapping[str, Any]] | None = None,
    text_calls: TextToolCalls = "off",
) -> tuple[Message, tuple[OutputError, ...]]:
    """An assistant :class:`Message` from an OpenAI message (dict or litellm object),
    read by :func:`read_answer`. Malformed tool calls are left out of the message and
    returned as errors; ``tools`` (OpenAI function definitions) are the names the
    model may call."""
    answer = read_answer(message, tool_names(tools), text_calls)
    return answer.message, answer.errors


@dataclass(frozen=True, slots=True)
class Answer:
    """An assistant answer, parsed."""

    text: str | None
    """What the assistant said, reasoning and text tool calls removed (``None``: nothing)."""
    tool_calls: tuple[ToolCall, ...]
    errors: tuple[OutputError, ...]
    reasoning: str | None
    thinking_blocks: tuple[dict[str, Any], ...]

    @property
    def message(self) -> Message:
        return Message(
            role="assistant",
            content=self.text,
            tool_calls=self.tool_calls,
            reasoning=self.reasoning,
            thinking_blocks=self.thinking_blocks,
        )


def read_answer(
    message: Mapping[str, Any] | Any,
    names: Collection[str] | None,
    text_calls: TextToolCalls = "off",
) -> Answer:
    """Parse an assistant message (dict or litellm object): structured tool calls,
    ``reasoning_content``, Anthropic ``thinking_blocks``, ``<think>`` blocks in the
    content and, when ``text_calls`` is not ``off``, tool calls written as text."""
    content = _get(message, "content")
    text, thought = split_reasoning(content if isinstance(content, str) else None)
    raw_calls = list(_get(message, "tool_calls") or ())
    if text_calls != "off" and not raw_calls and text is not None:
        text, raw_calls = text_tool_calls(text, text_calls)
    calls, errors = parse_tool_calls(raw_calls, names)
    blocks = tuple(_block(b) for b in _get(message, "thinking_blocks") or ())
    given = _get(message, "reasoning_content")
    parts = [given if isinstance(given, str) else None, thought]
    if not any(parts):
        parts.append("\n\n".join(str(b.get("thinking") or "") for b in blocks))
    reasoning = "\n\n".join(p for p in parts if p) or None
    return Answer(text, calls, errors, reasoning, blocks)


def _block(block: Any) -> dict[str, Any]:
    if isinstance(block, Mapping):
        return dict(block)
    dump = getattr(block, "model_dump", None)
    return dict(dump()) if callable(dump) else dict(vars(block))


_THINK = re.compile(r"<(think|thinking|reasoning)>(.*?)(</\1>|$)", re.DOTALL | re.IGNORECASE)
_UNOPENED = re.compile(r"^(.*?)</(think|thinking)>", re.DOTALL | re.IGNORECASE)


def split_reasoning(text: str | None) -> tuple[str | None, str | None]:
    """``(said, reasoning)``: ``<think>...</think>`` blocks (also ``<thinking>`` and
    ``<reasoning>``; an unclosed block runs to the end; reasoning closed by
    ``</think>`` whose opening tag the chat template already emitted, as DeepSeek-R1
    and Qwen3 served by vLLM write it) taken out of ``text``. Both parts are
    stripped; an empty part is ``None``."""
    if not text:
        return None, None
    thoughts: list[str] = []
    unopened = _UNOPENED.match(text)
    if unopened is not None and f"<{unopened.group(2).lower()}>" not in unopened.group(1).lower():
        thoughts.append(unopened.group(1))
        text = text[unopened.end() :]
    thoughts += [m.group(2) for m in _THINK.finditer(text)]
    said = _THINK.sub("", text).strip()
    reasoning = "\n\n".join(t.strip() for t in thoughts if t.strip())
    return (said or None), (reasoning or None)


_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_PYTHON_TAG = "<|python_tag|>"
_LLAMA_END = re.compile(r"<\|(?:eom_id|eot_id)\|>")
_NAME = re.compile(r"\"name\"\s*:\s*\"([^\"]+)\"")


def text_tool_calls(text: str, dialect: TextToolCalls) -> tuple[str | None, list[dict[str, Any]]]:
    """``(said, calls)``: the tool calls written as text in ``dialect`` as OpenAI
    tool-call dicts for :func:`parse_tool_calls` (a body that is no JSON object keeps
    its raw text, so it becomes an error), and the text left."""
    bodies: list[str] = []
    said = text
    if dialect == "hermes":
        bodies = [m.group(1) for m in _HERMES.finditer(text)]
        said = _HERMES.sub("", text)
    elif dialect == "llama":
        said, tag, rest = text.partition(_PYTHON_TAG)
        rest = _LLAMA_END.sub("", rest).strip()
        if not tag and said.strip().startswith("{") and _NAME.search(said):
            said, rest = "", _LLAMA_END.sub("", said).strip()
        bodies = [b for b in (p.strip() for p in rest.split(";")) if b]
    return (said.strip() or None), [_as_call(b) for b in bodies]


def _as_call(body: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        found = _NAME.search(body)
        return {"id": None, "function": {"name": found and found.group(1), "arguments": body}}
    if not isinstance(value, dict):
        return {"id": None, "function": {"name": None, "arguments": body}}
    arguments = value.get("arguments", value.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {"id": None, "function": {"name": value.get("name"), "arguments": arguments}}


def tool_names(tools: Iterable[Mapping[str, Any]] | None) -> frozenset[str]:
    """Names of OpenAI function definitions (``{"type": "function", "function": …}``)."""
    names: set[str] = set()
    for spec in tools or ():
        function = spec.get("function", spec)
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)
