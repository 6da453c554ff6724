"""Strict parsing of generator answers: every problem becomes a reason string.

Nothing here raises on model output. A generator answer either yields a
:class:`ParsedBlueprint` or the list of reasons it was rejected at the ``format``
stage. (Reviewer answers are read by :func:`apigen.committee.parse_answer`.)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from apigen.types import JSON, ToolCall

__all__ = ["ParsedBlueprint", "parse_generation"]

_SECTIONS = ("instruction", "actions", "outputs")
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.S)


@dataclass(frozen=True)
class ParsedBlueprint:
    """The sections of a well-formed generator answer."""

    instruction: str
    actions: tuple[ToolCall, ...]
    outputs: tuple[str, ...]
    reasoning: str | None = None


def _unfence(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) if m else text


def _section(text: str, tag: str) -> tuple[str | None, str | None]:
    """The one ``<tag>...</tag>`` body in ``text``, or ``(None, reason)``."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    if not found:
        return None, f"missing <{tag}> section"
    if len(found) > 1:
        return None, f"<{tag}> section appears {len(found)} times"
    return found[0].strip(), None


def _json_section(body: str, tag: str) -> tuple[JSON, str | None]:
    try:
        return json.loads(_unfence(body)), None
    except json.JSONDecodeError as exc:
        return None, f"{tag}: invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"


def _actions(value: JSON) -> tuple[list[ToolCall], list[str]]:
    if not isinstance(value, list):
        return [], [f"actions: expected a JSON list, got {type(value).__name__}"]
    if not value:
        return [], ["actions: the list is empty"]
    calls: list[ToolCall] = []
    reasons: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            reasons.append(f"actions[{i}]: expected an object, got {type(item).__name__}")
            continue
        name = item.get("name")
        args = item.get("arguments", {})
        extra = sorted(set(item) - {"name", "arguments"})
        if not isinstance(name, str) or not name.strip():
            reasons.append(f"actions[{i}]: missing tool name")
        elif not isinstance(args, dict):
            reasons.append(f"actions[{i}] {name}: arguments must be an object")
        elif extra:
            reasons.append(f"actions[{i}] {name}: unexpected keys {extra}")
        else:
            calls.append(ToolCall(name=name.strip(), arguments=args))
    return calls, reasons


def parse_generation(
    text: str | None, *, need: tuple[str, ...] = _SECTIONS
) -> ParsedBlueprint | list[str]:
    """Parse the four-section generator answer; a list of reasons when it is malformed.

    Sections outside ``need`` may be missing (recombination reads the instruction
    only); a present section is always checked.
    """
    if not text or not text.strip():
        return ["empty answer"]
    reasoning, _ = _section(text, "reasoning")
    # A section name quoted inside the reasoning must not count as a second section.
    body = re.sub(r"<reasoning>.*?</reasoning>", "", text, flags=re.S)
    reasons: list[str] = []
    parts: dict[str, str] = {}
    for tag in _SECTIONS:
        found, why = _section(body, tag)
        if found is not None:
            parts[tag] = found
        elif tag in need or not why or not why.startswith("missing"):
            reasons.append(why or f"bad <{tag}> section")
    instruction = parts.get("instruction", "")
    if "instruction" in parts and not instruction:
        reasons.append("instruction: empty")
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
        elif not isinstance(value, list) or not all(isinstance(o, str) for o in value):
            reasons.append("outputs: expected a JSON list of strings")
        else:
            outputs = [o.strip() for o in value]
    if reasons:
        return reasons
    return ParsedBlueprint(instruction, tuple(calls), tuple(outputs), reasoning)
