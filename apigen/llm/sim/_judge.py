"""``sim/judge``: judges a finished conversation, or picks the best of N human turns.

Criteria (heuristic, no model involved):

- ``policy_adherence``: the domain's sound policy checks, run over the conversation's
  tool calls in a fresh sandbox with the conversation up to each call, find nothing,
  and no point the code could not decide (the prompt's review section, read from the
  prompt as a model would, see :mod:`apigen.llm.sim._review`) is upheld; every ruling
  is stated in the criterion's reason and the rationale.
- ``faithfulness``: every number the agent states appears in a tool output or in
  what the customer said (nothing invented).
- ``human_realism``: the customer's messages hold no tool names, no JSON, and no
  ids they could not know (ids in the instruction or said by the agent are fine).

With ``candidates`` in the context the answer scores each candidate 0-10
(``{"scores": {"0": {"score", "reason"}, …}, "critique": ""}``): the best is the one
sharing most facts with the instruction, penalised for stopping before every request
was made and for tool names or JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from apigen.env import Environment, leaves, mentions, numbers_in, protocol, tool_like
from apigen.llm.sim._common import Turn, to_turns
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._plan import plan_of, tool_map_for
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.llm.sim._review import Ruling, rule_on_points
from apigen.llm.sim._scoring import Check, score_criteria
from apigen.types import Blueprint, Message, ToolCall

__all__ = ["DEFAULT_CRITERIA", "respond"]

DEFAULT_CRITERIA = ("policy_adherence", "faithfulness", "human_realism")
_EMAIL = re.compile(r"\S+@\S+")
_ID = re.compile(r"#?\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]+\b")
_JSON = re.compile(r"[{\[]\s*\"|\"\s*:\s*")


def _as_messages(turns: Sequence[Turn]) -> list[Message]:
    return [
        Message(
            role=t.role,
            content=t.content or None,
            tool_calls=tuple(
                ToolCall(name=c.name, arguments=c.arguments, id=c.id) for c in t.calls
            ),
            tool_call_id=t.call_id,
            name=t.name,
        )
        for t in turns
    ]


def _policy(
    env: Environment, messages: Sequence[Message], rulings: Sequence[Ruling]
) -> tuple[bool, str]:
    box = env.sandbox()
    found = []
    for k, m in enumerate(messages):
        for call in m.tool_calls:
            bare = ToolCall(name=call.name, arguments=call.arguments)
            flagged = box.policy_violations(bare, messages[:k])
            found += [f"{v.rule}: {v.message}" for v in flagged if v.sound]
            box.call(bare)
    found += [r.line() for r in rulings if r.upheld]
    if found:
        return False, "; ".join(found)
    cleared = "; ".join(r.line() for r in rulings)
    return True, "No policy check finds a violation." + (f" {cleared}." if cleared else "")


def _faithfulness(turns: Sequence[Turn]) -> tuple[bool, str]:
    sources: set[float] = set()
    invented = []
    for t in turns:
        if t.role in ("tool", "user"):
            sources |= numbers_in(t.content)
        elif t.role == "assistant":
            invented += sorted(n for n in numbers_in(t.content) if n not in sources)
    if invented:
        shown = ", ".join(f"{n:g}" for n in invented)
        return False, f"the agent states numbers no tool returned: {shown}"
    return True, "Every number the agent states comes from a tool output or the customer."


def _unrealistic(text: str, known: str, tools: Sequence[str]) -> list[str]:
    body = _EMAIL.sub(" ", protocol.strip_markers(text))
    problems = [f"names tool {t}" for t in tool_like(tools, body)]
    if _JSON.search(body):
        problems.append("contains JSON")
    problems += [
        f"states id {m} it could not know" for m in _ID.findall(body) if not mentions(known, m)
    ]
    return problems


def _realism(bp: Blueprint, turns: Sequence[Turn], tools: Sequence[str]) -> tuple[bool, str]:
    known = bp.instruction
    problems = []
    for t in turns:
        if t.role == "assistant":
            known += " " + t.content
        elif t.role == "user":
            problems += [
                f"{p} in {t.content[:60]!r}" for p in _unrealistic(t.content, known, tools)
            ]
    if problems:
        return False, "; ".join(problems)
    return True, "The customer only says what a customer would know."


def _choose(req: SimRequest, bp: Blueprint, candidates: Sequence[str]) -> SimReply:
    plan = plan_of(bp, tool_map_for(req.ctx, bp.domain))
    facts = [v for v in leaves(plan.identity) + [x for s in plan.steps for x in s.values()]]
    said = " ".join(
        t.content for t in to_turns(req.ctx.get(ContextKey.MESSAGES) or ()) if t.role == "user"
    )
    said += " " + " ".join(t.content for t in req.turns if t.role == "assistant")
    tools = list(tool_map_for(req.ctx, bp.domain))
    pending = [s for s in plan.steps if not any(mentions(said, v) for v in s.values())]
    raw = []
    for text in candidates:
        hits = sum(1 for v in facts if mentions(text, v) and mentions(bp.instruction, v))
        score = hits - 3 * len(_unrealistic(text, bp.instruction + " " + said, tools))
        if protocol.STOP in text and pending:
            score -= 10
        raw.append((score, hits))
    top = max(s for s, _ in raw)
    low = min(s for s, _ in raw)
    # 0-10: the best candidate 10, the others by their distance to it (ties all 10)
    scores = {
        str(k): {
            "score": 10 if top == low else round(10 * (s - low) / (top - low)),
            "reason": f"states {hits} instruction fact(s)",
        }
        for k, (s, hits) in enumerate(raw)
    }
    return SimReply(json.dumps({"scores": scores, "critique": ""}))


def respond(req: SimRequest) -> SimReply:
    """Scores for the context's conversation, or a best-of-N choice."""
    bp: Blueprint = req.need(ContextKey.BLUEPRINT)
    candidates = req.ctx.get(ContextKey.CANDIDATES)
    if candidates:
        return _choose(req, bp, [str(c) for c in candidates])
    turns = to_turns(req.need(ContextKey.MESSAGES))
    tools = list(tool_map_for(req.ctx, bp.domain))
    env: Environment = req.need(ContextKey.ENV)
    rulings = rule_on_points(req.turns, env.domain.framing.user_label)
    checks: dict[str, Check] = {
        "policy_adherence": lambda: _policy(env, _as_messages(turns), rulings),
        "faithfulness": lambda: _faithfulness(turns),
        "human_realism": lambda: _realism(bp, turns, tools),
    }
    note = "; ".join(r.line() for r in rulings)
    return score_criteria(req, checks, DEFAULT_CRITERIA, note=note)
