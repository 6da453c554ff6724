"""Tolerant parsing of generator answers: a blueprint, or named reasons it is not one.

Nothing here raises on model output. A generator answer either yields a
:class:`ParsedBlueprint` or the list of reasons it was rejected at the ``format``
stage, each ``"<code>: <detail>"`` with a code of :data:`FORMAT_REASONS` (the
code is stable, the detail names what to fix; both reach the feedback loop).

Read as models write it: ``<think>``/``<thinking>`` blocks and the
``<reasoning>`` section are dropped before sections are looked for (so quoting
``<instruction>`` there does not count twice); tags may carry attributes and
any case (``<actions format="json">``); a section body may be fenced; JSON may
have trailing commas, comments or be a Python literal; an action may be
``{"name", "arguments"}``, the OpenAI ``{"type": "function", "function": {…}}``
tool call, Anthropic's ``{"type": "tool_use", "name", "input"}``, or use
``parameters``/``args`` for its arguments, which may be a JSON string; an
``actions`` object wrapping the list (``{"actions": […]}``/``{"tool_calls": …}``)
is unwrapped; numbers and booleans in ``outputs`` become strings. An answer
whose content is empty but whose ``reasoning_content`` holds the sections is read
from there. (Reviewer answers are read by :func:`apigen.committee.parse_answer`.)
``tests/blueprints/data/answers.yaml`` is the corpus this is held to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from apigen.committee import loads_lenient, strip_reasoning
from apigen.types import JSON, ToolCall

__all__ = ["FORMAT_REASONS", "ParsedBlueprint", "parse_generation"]

FORMAT_REASONS: dict[str, str] = {
    "empty": "the answer is empty",
    "unfinished_reasoning": "the answer is a reasoning block that never ends",
    "missing_section": "a required <instruction>, <actions> or <outputs> section is absent",
    "unclosed_section": "a section is opened but never closed (the answer is cut off?)",
    "repeated_section": "a section appears more than once outside the reasoning",
    "empty_instruction": "the instruction section is empty",
    "invalid_json": "the actions or outputs section does not decode as JSON",
    "actions_not_list": "the actions section is not a JSON list of tool calls",
    "no_actions": "the actions list is empty",
    "action_not_object": "an action is not a JSON object",
    "missing_tool_name": "an action names no tool",
    "bad_arguments": "an action's arguments are not a JSON object",
    "unexpected_keys": "an action carries keys other than its name and arguments",
    "outputs_not_list": "the outputs section is not a JSON list",
    "bad_output": "an output is not a string or number",
}
"""Every reason a generator answer is rejected at ``format``, by code."""

_SECTIONS = ("instruction", "actions", "outputs")
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.S)
_REASONING = re.compile(r"<reasoning(?:\s[^>]*)?>.*?</reasoning\s*>", re.S | re.I)
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input")
_IGNORED_KEYS = frozenset({"id", "type", "call_id", "index"})
_WRAPPERS = ("actions", "tool_calls", "calls", "tools")


@dataclass(frozen=True)
class ParsedBlueprint:
    """The sections of a well-formed generator answer."""

    instruction: str
    actions: tuple[ToolCall, ...]
    outputs: tuple[str, ...]
    reasoning: str | None = None


def _reason(code: str, detail: str) -> str:
    assert code in FORMAT_REASONS, code
    return f"{code}: {detail}"


def _unfence(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) if m else text


def _section(text: str, tag: str) -> tuple[str | None, str | None]:
    """The one ``<tag …>...</tag>`` body in ``text``, or ``(None, reason)``."""
    found = re.findall(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}\s*>", text, re.S | re.I)
    if len(found) == 1:
        return found[0].strip(), None
    if found:
        return None, _reason("repeated_section", f"<{tag}> section appears {len(found)} times")
    if re.search(rf"<{tag}(?:\s[^>]*)?>", text, re.I):
        return None, _reason("unclosed_section", f"<{tag}> is opened but never closed")
    return None, _reason("missing_section", f"missing <{tag}> section")


def _json_section(body: str, tag: str) -> tuple[Any, str | None]:
    value, why = loads_lenient(_unfence(body))
    if why is not None:
        return None, _reason("invalid_json", f"{tag}: invalid JSON ({why})")
    return value, None


def _arguments(raw: Any) -> Any:
    """Arguments as a mapping where they can be read as one (a JSON string decoded)."""
    if isinstance(raw, str):
        value, why = loads_lenient(raw) if raw.strip() else ({}, None)
        return value if why is None else raw
    return {} if raw is None else raw


def _call(i: int, item: Any) -> ToolCall | str:
    """One action read from any of the shapes models use, or the reason it is not one."""
    if not isinstance(item, dict):
        return _reason("action_not_object", f"actions[{i}]: got {type(item).__name__}")
    if isinstance(item.get("function"), dict):  # OpenAI tool call
        item = {**{k: v for k, v in item.items() if k != "function"}, **item["function"]}
    name = item.get("name", item.get("tool"))
    keys = [k for k in _ARGUMENT_KEYS if k in item]
    args = _arguments(item[keys[0]]) if keys else {}
    extra = sorted(set(item) - {"name", "tool", *keys[:1], *_IGNORED_KEYS})
    if not isinstance(name, str) or not name.strip():
        return _reason("missing_tool_name", f"actions[{i}]: missing tool name")
    if len(keys) > 1:
        return _reason("unexpected_keys", f"actions[{i}] {name}: both {keys[0]} and {keys[1]}")
    if not isinstance(args, dict):
        return _reason("bad_arguments", f"actions[{i}] {name}: arguments must be an object")
    if extra:
        return _reason("unexpected_keys", f"actions[{i}] {name}: unexpected keys {extra}")
    return ToolCall(name=name.strip(), arguments=args)


def _actions(value: JSON) -> tuple[list[ToolCall], list[str]]:
    if isinstance(value, dict):
        inner = [value[k] for k in _WRAPPERS if isinstance(value.get(k), list)]
        if inner:
            value = inner[0]
        elif "name" in value or "function" in value:
            value = [value]  # one call, not in a list
    if not isinstance(value, list):
        kind = type(value).__name__
        return [], [_reason("actions_not_list", f"actions: expected a JSON list, got {kind}")]
    if not value:
        return [], [_reason("no_actions", "actions: the list is empty")]
    calls: list[ToolCall] = []
    reasons: list[str] = []
    for i, item in enumerate(value):
        read = _call(i, item)
        if isinstance(read, str):
            reasons.append(read)
        else:
            calls.append(read)
    return calls, reasons


def _outputs(value: JSON) -> tuple[list[str], list[str]]:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]  # a single output, not in a list
    if not isinstance(value, list):
        kind = type(value).__name__
        return [], [_reason("outputs_not_list", f"outputs: expected a JSON list, got {kind}")]
    out: list[str] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.append(item.strip())
        elif isinstance(item, bool):
            out.append("yes" if item else "no")
        elif isinstance(item, int | float):
            out.append(json.dumps(item))
        else:
            kind = type(item).__name__
            return [], [_reason("bad_output", f"outputs[{i}]: expected a string, got {kind}")]
    return out, []


def _body(text: str, reasoning: str | None) -> tuple[str | None, str | None]:
    """The answer without reasoning, and the reasoning, or ``(None, code)`` if none."""
    if not text.strip() and reasoning and re.search(r"<instruction", reasoning, re.I):
        text = reasoning  # the whole answer landed in reasoning_content
    body = strip_reasoning(text)
    if body is None:
        return None, "unfinished_reasoning"
    said, _ = _section(body, "reasoning")
    return _REASONING.sub(" ", body), said or reasoning


def parse_generation(
    text: str | None,
    *,
    need: tuple[str, ...] = _SECTIONS,
    reasoning: str | None = None,
) -> ParsedBlueprint | list[str]:
    """Parse the four-section generator answer; a list of named reasons when it is
    malformed (see :data:`FORMAT_REASONS`).

    Sections outside ``need`` may be missing (recombination reads the instruction
    only); a present section is always checked. ``reasoning`` is the call's
    ``reasoning_content``, where the provider returned one.
    """
    if (not text or not text.strip()) and not reasoning:
        return [_reason("empty", "empty answer")]
    body, said = _body(text or "", reasoning)
    if body is None:
        return [_reason("unfinished_reasoning", "no answer after the <think> block")]
    if not body.strip():
        return [_reason("empty", "only reasoning, no answer")]
    reasons: list[str] = []
    parts: dict[str, str] = {}
    for tag in _SECTIONS:
        found, why = _section(body, tag)
        if found is not None:
            parts[tag] = found
        elif why is not None and (tag in need or not why.startswith("missing_section")):
            reasons.append(why)
    instruction = parts.get("instruction", "")
    if "instruction" in parts and not instruction:
        reasons.append(_reason("empty_instruction", "instruction: empty"))
    calls: list[ToolCall] = []
    if "actions" in parts:
        value, why = _json_section(parts["actions"], "actions")
        if why:
            reasons.append(why)
        else:
            calls, bad = _actions(value)
            reasons += bad
    outputs: list[str] = []
    if "outputs" in parts:
        value, why = _json_section(parts["outputs"], "outputs")
        if why:
            reasons.append(why)
        else:
            outputs, bad = _outputs(value)
            reasons += bad
    if reasons:
        return reasons
    return ParsedBlueprint(instruction, tuple(calls), tuple(outputs), said)
