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

__all__ = ["ToolCounts", "count_calls", "parameters_by_tool"]

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


def parameters_by_tool(tools: Sequence[Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    """Tool name -> its ``parameters`` schema, from OpenAI-shaped tool schemas."""
    out: dict[str, Mapping[str, Any]] = {}
    for t in tools or ():
        fn = t.get("function", t)
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"]] = params if isinstance(params, Mapping) else {}
    return out


def _type_ok(value: Any, declared: Any) -> bool:
    names = declared if isinstance(declared, list) else [declared]
    kinds = tuple(k for n in names for k in _TYPES.get(n, (object,)))
    if isinstance(value, bool) and bool not in kinds:
        return False  # JSON true is not a number
    return isinstance(value, kinds)


def arguments_invalid(call: ToolCall, params: Mapping[str, Any] | None) -> bool:
    """``True`` when ``call.arguments`` do not fit ``params`` (``None``: unknown tool)."""
    if params is None:
        return True
    props = params.get("properties")
    props = props if isinstance(props, Mapping) else {}
    args = call.arguments
    if any(name not in args for name in params.get("required", ())):
        return True
    for name, value in args.items():
        spec = props.get(name)
        if not isinstance(spec, Mapping):
            if props or params.get("additionalProperties") is False:
                return True
            continue
        if "type" in spec and not _type_ok(value, spec["type"]):
            return True
        if "enum" in spec and value not in spec["enum"]:
            return True
    return False


def count_calls(
    messages: Sequence[Message], params: Mapping[str, Mapping[str, Any]] | None
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
                row = counts.setdefault(c.name, [0, 0, 0])
                row[0] += 1
                if params is not None and arguments_invalid(c, params.get(c.name)):
                    row[2] += 1
                if c.id is not None:
                    owner[c.id] = c.name
        elif m.role == "tool" and (m.content or "").startswith(ERROR_PREFIX):
            name = owner.get(m.tool_call_id or "", m.name or "")
            if name in counts:
                counts[name][1] += 1
    return counts, parallel
