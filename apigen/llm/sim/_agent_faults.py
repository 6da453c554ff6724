"""How a sim agent goes wrong: wrong argument values, extra writes, invented outputs.

Candidates are drawn from what the conversation shows (other ids of the same shape
seen in tool outputs, enum alternatives, nearby numbers) and, when the context has
an ``env``, tried in a fresh sandbox so the faulty write succeeds and changes state:
the episode then fails because of the fault, not because a tool rejected it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.env import Environment, Tool, leaves, numbers_in
from apigen.llm.sim._common import Turn, is_error_output
from apigen.types import JSON, StateDiff, ToolCall

__all__ = [
    "Trial",
    "extra_write",
    "invent_output",
    "invented_reference",
    "ok_calls",
    "wrong_argument",
]


def ok_calls(turns: Sequence[Turn]) -> list[ToolCall]:
    """Tool calls of the conversation whose result was not an error, in order."""
    results = {t.call_id: t.content for t in turns if t.role == "tool"}
    out = []
    for t in turns:
        for c in t.calls:
            text = results.get(c.id)
            if text is not None and not is_error_output(text):
                out.append(ToolCall(name=c.name, arguments=c.arguments))
    return out


def _seen_values(turns: Sequence[Turn]) -> list[str | int | float]:
    seen: list[str | int | float] = []
    for t in turns:
        if t.role != "tool":
            continue
        try:
            data = json.loads(t.content)
        except ValueError:
            continue
        for v in leaves(data):
            if v not in seen:
                seen.append(v)
    return seen


def _shape(value: str) -> str:
    return re.sub(r"\d+", "9", re.sub(r"[A-Za-z]+", "a", value))


def _alternatives(
    value: JSON, schema: Mapping[str, Any], seen: Sequence[str | int | float]
) -> list[JSON]:
    alts: list[JSON] = [v for v in schema.get("enum", ()) if v != value]
    if isinstance(value, bool):
        return [*alts, not value]
    if isinstance(value, int | float):
        return alts + [value + d for d in (7, 3, 11, 1)] + [value - d for d in (1, 3) if value > d]
    if isinstance(value, str):
        return alts + [
            v for v in seen if isinstance(v, str) and v != value and _shape(v) == _shape(value)
        ]
    if isinstance(value, list) and value:
        return [
            [*value[:-1], alt] for alt in _alternatives(value[-1], schema.get("items", {}), seen)
        ]
    return alts


@dataclass(frozen=True)
class Trial:
    """Tries a faulty write in a fresh sandbox: the calls so far (``before``), the
    candidate, then the rest of the plan (``after``). A candidate works when it
    succeeds, changes the state, and the final state differs from the plan's, so
    the episode fails because of the fault. Without an environment every candidate
    is taken on trust."""

    env: Environment | None
    before: tuple[ToolCall, ...]
    after: tuple[ToolCall, ...]

    def _final(self, lead: Sequence[ToolCall], candidate: ToolCall | None) -> StateDiff | None:
        assert self.env is not None
        box = self.env.sandbox()
        box.replay([*self.before, *lead])
        if candidate is not None:
            result = box.call(candidate)
            if not (result.ok and result.changed):
                return None
        box.replay(self.after)
        return box.diff()

    def works(self, candidate: ToolCall, lead: Sequence[ToolCall] = ()) -> bool:
        """``candidate`` (made after ``lead``) succeeds and spoils the final state."""
        if self.env is None:
            return True
        final = self._final(lead, candidate)
        return final is not None and final != self._final([*lead], None)


def _env_values(env: Environment | None, value: str, rng: random.Random) -> list[str]:
    """Keys of the state with the same shape as ``value`` (another account, order...)."""
    if env is None:
        return []
    shape = _shape(value)
    db = env.database
    found = sorted(k for t in db.tables for k in db.table(t) if k != value and _shape(k) == shape)
    rng.shuffle(found)
    return found[:20]


def _variants(
    call: ToolCall,
    tool: Tool | None,
    turns: Sequence[Turn],
    env: Environment | None,
    rng: random.Random,
) -> list[ToolCall]:
    """``call`` with one argument changed, for each argument (in seeded order)."""
    props = tool.parameters.get("properties", {}) if tool else {}
    names = sorted(call.arguments)
    rng.shuffle(names)
    out = []
    for name in names:
        value = call.arguments[name]
        alts = _alternatives(value, props.get(name, {}), _seen_values(turns))
        if isinstance(value, str):
            alts += _env_values(env, value, rng)
        out += [ToolCall(name=call.name, arguments={**call.arguments, name: a}) for a in alts]
    return out


def wrong_argument(
    call: ToolCall, tool: Tool | None, turns: Sequence[Turn], trial: Trial, rng: random.Random
) -> ToolCall:
    """``call`` with one argument swapped for another schema-valid value (seen in tool
    outputs first, then other keys of the same shape in the state)."""
    candidates = _variants(call, tool, turns, trial.env, rng)
    return next((c for c in candidates if trial.works(c)), candidates[0] if candidates else call)


def extra_write(
    call: ToolCall,
    tools: Mapping[str, Tool],
    turns: Sequence[Turn],
    trial: Trial,
    rng: random.Random,
) -> ToolCall:
    """A write nobody asked for, made right after ``call``: another write tool on the
    same arguments, or the same tool on another value."""
    candidates: list[ToolCall] = []
    others = sorted(n for n, t in tools.items() if t.kind == "write" and n != call.name)
    rng.shuffle(others)
    for name in others:
        required = tools[name].parameters.get("required", [])
        props = tools[name].parameters.get("properties", {})
        if required and all(r in call.arguments for r in required):
            args = {k: v for k, v in call.arguments.items() if k in props}
            candidates.append(ToolCall(name=name, arguments=args))
    candidates += [*_variants(call, tools.get(call.name), turns, trial.env, rng), call]
    return next((c for c in candidates if trial.works(c, lead=(call,))), candidates[0])


def invent_output(output: str, rng: random.Random) -> str:
    """``output`` with its last number changed (or its last word replaced): a wrong value."""
    matches = list(re.finditer(r"\d+(?:\.\d+)?", output))
    if matches:
        m = matches[-1]
        delta = rng.randint(2, 9)
        text = m.group(0)
        new = (
            f"{float(text) + delta:.{len(text.split('.')[1])}f}"
            if "." in text
            else str(int(text) + delta)
        )
        return output[: m.start()] + new + output[m.end() :]
    words = output.split()
    return " ".join([*words[:-1], "unknown"]) if len(words) > 1 else "unknown"


def invented_reference(rng: random.Random, known: str) -> str:
    """A sentence with a number that no tool returned (when there are no outputs to spoil)."""
    taken = numbers_in(known)
    number = rng.randint(10_000, 99_999)
    while float(number) in taken:
        number += 1
    return f"Your confirmation number is {number}."
