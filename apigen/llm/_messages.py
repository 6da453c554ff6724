"""Conversion between :class:`apigen.types.Message` records and OpenAI chat dicts."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from apigen.llm._records import OutputError
from apigen.types import Message, ToolCall

__all__ = ["from_openai_message", "parse_tool_calls", "to_openai_messages"]


def to_openai_messages(messages: Iterable[Message | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI chat dicts for ``messages``; dicts already in OpenAI shape pass through.

    Assistant tool calls carry their id (``call_<m>_<k>`` when the record has none)
    and JSON-string arguments; tool messages carry ``tool_call_id``. Reasoning
    content is not sent back to providers.
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
    message: Mapping[str, Any] | Any, *, tools: Iterable[Mapping[str, Any]] | None = None
) -> tuple[Message, tuple[OutputError, ...]]:
    """An assistant :class:`Message` from an OpenAI message (dict or litellm object).

    Malformed tool calls are left out of the message and returned as errors;
    ``tools`` (OpenAI function definitions) are the names the model may call.
    """
    names = tool_names(tools)
    calls, errors = parse_tool_calls(_get(message, "tool_calls"), names)
    reasoning = _get(message, "reasoning_content")
    return (
        Message(
            role="assistant",
            content=_get(message, "content"),
            tool_calls=calls,
            reasoning=reasoning if isinstance(reasoning, str) and reasoning else None,
        ),
        errors,
    )


def tool_names(tools: Iterable[Mapping[str, Any]] | None) -> frozenset[str]:
    """Names of OpenAI function definitions (``{"type": "function", "function": …}``)."""
    names: set[str] = set()
    for spec in tools or ():
        function = spec.get("function", spec)
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)
