"""``sim/reviewer``: scores a blueprint with real heuristic checks (no model involved).

- ``correctness``: replaying the actions in a fresh sandbox raises no tool error and
  every write changes the state.
- ``completeness``: every fact of every write (string and number argument values) is
  stated in the instruction or returned by an earlier call of the replay. Blank
  strings (``line2: ''``) are no facts, and free text the agent composes itself
  (parameters the tool declares ``free_text``) need not be grounded.
- ``satisfaction``: every expected output appears in the replay's outputs (as text,
  or as a number they contain), and the instruction asks for every write (names its
  verb, the rest of its name such as "human agent", one of its facts, or an id or
  number its free text quotes).
- ``creativity`` (alias ``realism``): the instruction is long and varied enough,
  written to "you", and names no tool.

Asked as the ``feedback`` role (a context with failure lines and no blueprint), it
condenses without a model: each distinct failure line once, as a ``- `` fix line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache

from apigen.env import (
    Environment,
    Tool,
    leaves,
    mentions,
    numbers_in,
    tool_like,
    ungrounded_arguments,
)
from apigen.llm.sim._common import humanize
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._facts import prose_cues
from apigen.llm.sim._plan import free_text_args
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.llm.sim._scoring import Check, score_criteria
from apigen.types import Blueprint, ToolCall, ToolExecution

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


def _completeness(
    bp: Blueprint, trace: Sequence[ToolExecution], tools: Mapping[str, Tool]
) -> tuple[bool, str]:
    missing = ungrounded_arguments(bp.instruction, trace, tools)
    if missing:
        return False, "; ".join(str(u) for u in missing)
    return True, "Every write argument is stated in the instruction or grounded by a read."


_MINOR = frozenset({"to", "from", "by", "of", "for", "on", "in", "with", "the", "a", "an"})
_SAME_VERB = (
    frozenset({"modify", "change", "update", "edit", "alter", "switch", "swap", "replace"}),
    frozenset({"create", "add", "make", "place", "book", "open"}),
    frozenset({"delete", "remove"}),
)
"""Verbs that ask for the same kind of write ("change" asks for ``modify_…``)."""


def _asks_for(instruction: str, call: ToolCall, tool: Tool | None) -> bool:
    """The instruction asks for ``call``: it names the tool's verb (``cancel``...) or one
    of the same kind (``change`` for ``modify``, see ``_SAME_VERB``), the rest of its
    name as a phrase (``human agent(s)``), one of its facts, or an id or
    number quoted by its free text."""
    verb, *rest = humanize(call.name).split()
    verbs = next((g for g in _SAME_VERB if verb.lower() in g), {verb})
    if any(re.search(rf"\b{re.escape(v)}", instruction, re.I) for v in verbs):
        return True
    words = [w for w in rest if w.lower() not in _MINOR]
    phrase = r"\s+".join(re.escape(w.removesuffix("s")) + "s?" for w in words)
    if words and re.search(rf"\b{phrase}\b", instruction, re.I):
        return True
    prose = free_text_args(call, tool)
    values = leaves({k: v for k, v in call.arguments.items() if k not in prose})
    values += [c for k in prose for c in prose_cues(str(call.arguments[k]))]
    return any(mentions(instruction, v) for v in values)


def _satisfaction(
    bp: Blueprint, trace: Sequence[ToolExecution], tools: Mapping[str, Tool]
) -> tuple[bool, str]:
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
        if not _asks_for(bp.instruction, e.call, tools.get(e.call.name)):
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
    if req.ctx.get(ContextKey.BLUEPRINT) is None and req.ctx.get(ContextKey.FEEDBACK):
        lines = dict.fromkeys(" ".join(str(f).split()) for f in req.ctx[ContextKey.FEEDBACK])
        return SimReply("Fixes for the writer:\n" + "\n".join(f"- {ln}" for ln in lines if ln))
    bp: Blueprint = req.need(ContextKey.BLUEPRINT)
    env: Environment = req.need(ContextKey.ENV)

    @cache
    def trace() -> tuple[ToolExecution, ...]:
        return tuple(env.sandbox().replay(bp.actions))

    checks: dict[str, Check] = {
        "correctness": lambda: _correctness(trace()),
        "completeness": lambda: _completeness(bp, trace(), env.domain.tool_map),
        "satisfaction": lambda: _satisfaction(bp, trace(), env.domain.tool_map),
        "creativity": lambda: _creativity(bp, list(env.domain.tool_map)),
    }
    checks["realism"] = checks["creativity"]
    return score_criteria(req, checks, DEFAULT_CRITERIA)
