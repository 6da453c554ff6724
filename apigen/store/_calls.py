"""What the store counts per tool at ingest: calls, failed calls, calls whose
arguments do not fit the tool's declared schema, and parallel-call turns.

A call *failed* when the tool message answering it starts with ``Error`` (the
sandbox, the rollout and tau-bench style corpora all answer a failed call so). Its
arguments are *invalid* when, against the run's snapshot of the tool's JSON schema,
a required parameter is missing, a parameter is not declared, or a top-level value
has the wrong JSON type or is outside its ``enum`` — a structural check, so it
holds for any model's output, not only the sim's. A call of a tool the run does
not offer counts as invalid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apigen.types import Message, ToolCall

__all__ = ["ArgumentCheck", "ToolCounts", "arguments_invalid", "count_calls", "parameters_by_tool"]

ERROR_PREFIX = "Error"
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}

ToolCounts = dict[str, list[int]]
"""Tool name -> ``[calls, failed, invalid_arguments]``."""


class ArgumentCheck:
    """One tool's parameter schema, compiled once per run: checking a stored call's
    arguments is then a few set and ``isinstance`` tests (it runs on the write path)."""

    __slots__ = ("_closed", "_enums", "_kinds", "_names", "_required")

    def __init__(self, params: Mapping[str, Any]) -> None:
        props = params.get("properties")
        props = props if isinstance(props, Mapping) else {}
        self._required = tuple(params.get("required", ()))
        self._names = frozenset(k for k, v in props.items() if isinstance(v, Mapping))
        self._closed = bool(props) or params.get("additionalProperties") is False
        self._kinds: dict[str, tuple[tuple[type, ...], bool]] = {}
        self._enums: dict[str, Any] = {}
        for name, spec in props.items():
            if not isinstance(spec, Mapping):
                continue
            if "type" in spec:
                declared = spec["type"]
                names = declared if isinstance(declared, list) else [declared]
                kinds = tuple(k for n in names for k in _TYPES.get(n, (object,)))
                self._kinds[name] = (kinds, bool in kinds)
            if "enum" in spec:
                self._enums[name] = spec["enum"]

    def invalid(self, args: Mapping[str, Any]) -> bool:
        """Whether ``args`` do not fit the schema."""
        for name in self._required:
            if name not in args:
                return True
        for name, value in args.items():
            if name not in self._names:
                if self._closed:
                    return True
                continue
            kind = self._kinds.get(name)
            if kind is not None:
                if not isinstance(value, kind[0]):
                    return True
                if isinstance(value, bool) and not kind[1]:
                    return True  # JSON true is not a number
            if name in self._enums and value not in self._enums[name]:
                return True
        return False


def parameters_by_tool(tools: Sequence[Mapping[str, Any]] | None) -> dict[str, ArgumentCheck]:
    """Tool name -> its compiled ``parameters`` schema, from OpenAI-shaped tool schemas."""
    out: dict[str, ArgumentCheck] = {}
    for t in tools or ():
        fn = t.get("function", t)
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"]] = ArgumentCheck(params if isinstance(params, Mapping) else {})
    return out


def arguments_invalid(call: ToolCall, params: Mapping[str, Any] | ArgumentCheck | None) -> bool:
    """``True`` when ``call.arguments`` do not fit ``params`` (``None``: unknown tool)."""
    if params is None:
        return True
    check = params if isinstance(params, ArgumentCheck) else ArgumentCheck(params)
    return check.invalid(call.arguments)


def count_calls(
    messages: Sequence[Message], params: Mapping[str, ArgumentCheck] | None
) -> tuple[ToolCounts, int]:
    """Per-tool counts and the number of assistant turns with two or more calls.

    ``params`` is :func:`parameters_by_tool` of the run's tools; ``None`` (a run
    without a tool snapshot) leaves arguments unchecked.
    """
    counts: ToolCounts = {}
    owner: dict[str, str] = {}
    parallel = 0
    for m in messages:
        if m.role == "assistant" and m.tool_calls:
            parallel += len(m.tool_calls) > 1
            for c in m.tool_calls:
                row = counts.get(c.name)
                if row is None:
                    row = counts[c.name] = [0, 0, 0]
                row[0] += 1
                if params is not None:
                    check = params.get(c.name)
                    if check is None or check.invalid(c.arguments):
                        row[2] += 1
                if c.id is not None:
                    owner[c.id] = c.name
        elif m.role == "tool" and m.content and m.content.startswith(ERROR_PREFIX):
            name = owner.get(m.tool_call_id or "", m.name or "")
            if name in counts:
                counts[name][1] += 1
    return counts, parallel
