"""``sim/reviewer``: scores a blueprint with real heuristic checks (no model involved).

- ``correctness``: replaying the actions in a fresh sandbox raises no tool error and
  every write changes the state.
- ``completeness``: every argument value of every write (strings and numbers) is
  stated in the instruction or returned by an earlier call of the replay.
- ``satisfaction``: every expected output appears in the replay's outputs (as text,
  or as a number they contain), and the instruction asks for every write.
- ``creativity`` (alias ``realism``): the instruction is long and varied enough,
  written to "you", and names no tool.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache

from apigen.env import Environment
from apigen.llm.sim._common import leaves, mentions, numbers_in, tool_like
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.llm.sim._scoring import Check, score_criteria
from apigen.types import Blueprint, ToolExecution

__all__ = ["DEFAULT_CRITERIA", "respond"]

DEFAULT_CRITERIA = ("correctness", "completeness", "satisfaction", "creativity")


def _correctness(trace: Sequence[ToolExecution]) -> tuple[bool, str]:
    problems = [
        f"actions[{i}] {e.call.name} fails: {e.error.message}"
        for i, e in enumerate(trace)
        if e.error is not None
    ]
    problems += [
        f"actions[{i}] {e.call.name} changes nothing"
        for i, e in enumerate(trace)
        if e.ok and e.write and not e.changed
    ]
    if problems:
        return False, "; ".join(problems)
    return True, "Every action runs and every write changes the state."


def _completeness(bp: Blueprint, trace: Sequence[ToolExecution]) -> tuple[bool, str]:
    missing = []
    seen = ""
    for i, e in enumerate(trace):
        if e.write:
            for name, value in e.call.arguments.items():
                for v in leaves(value):
                    if not mentions(bp.instruction, v) and not mentions(seen, v):
                        missing.append(
                            f"actions[{i}] {e.call.name} argument {name}={v!r} is not stated "
                            "in the instruction nor returned by an earlier call"
                        )
        if e.ok:
            seen += " " + json.dumps(e.output, ensure_ascii=False)
    if missing:
        return False, "; ".join(missing)
    return True, "Every write argument is stated in the instruction or grounded by a read."


def _satisfaction(bp: Blueprint, trace: Sequence[ToolExecution]) -> tuple[bool, str]:
    text = " ".join(json.dumps(e.output, ensure_ascii=False) for e in trace if e.ok)
    found = numbers_in(text)
    problems = [
        f"output {o!r} is not derivable from the tool results"
        for o in bp.outputs
        if o.lower() not in text.lower() and not (numbers_in(o) and numbers_in(o) <= found)
    ]
    for i, e in enumerate(trace):
        if not e.write:
            continue
        verb = e.call.name.split("_")[0]
        asked = re.search(rf"\b{re.escape(verb)}", bp.instruction, re.I) or any(
            mentions(bp.instruction, v) for v in leaves(e.call.arguments)
        )
        if not asked:
            problems.append(f"the instruction never asks for actions[{i}] {e.call.name}")
    if problems:
        return False, "; ".join(problems)
    return True, "The outputs follow from the tool results and every write is asked for."


def _creativity(bp: Blueprint, tools: Sequence[str]) -> tuple[bool, str]:
    words = re.findall(r"[A-Za-z']+", bp.instruction.lower())
    problems = []
    if len(words) < 12:
        problems.append(f"the instruction has only {len(words)} words")
    elif len(set(words)) / len(words) < 0.35:
        problems.append("the instruction repeats itself")
    if "you" not in words and "your" not in words:
        problems.append("the instruction is not written to 'you'")
    named = tool_like(tools, bp.instruction)
    if named:
        problems.append(f"the instruction names tools: {', '.join(named)}")
    if problems:
        return False, "; ".join(problems)
    return True, "The instruction reads like a real customer's situation."


def respond(req: SimRequest) -> SimReply:
    """Score the context's blueprint; see the module docstring for each criterion."""
    bp: Blueprint = req.need(ContextKey.BLUEPRINT)
    env: Environment = req.need(ContextKey.ENV)

    @cache
    def trace() -> tuple[ToolExecution, ...]:
        return tuple(env.sandbox().replay(bp.actions))

    checks: dict[str, Check] = {
        "correctness": lambda: _correctness(trace()),
        "completeness": lambda: _completeness(bp, trace()),
        "satisfaction": lambda: _satisfaction(bp, trace()),
        "creativity": lambda: _creativity(bp, list(env.domain.tool_map)),
    }
    checks["realism"] = checks["creativity"]
    return score_criteria(req, checks, DEFAULT_CRITERIA)
