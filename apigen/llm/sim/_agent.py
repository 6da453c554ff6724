"""``sim/agent``: a support agent in function-calling mode that follows the blueprint.

Stateless: each call re-reads the conversation to see how far it got. Per step it
waits for the customer's request and makes the grounding reads; a write declared
``confirm`` waits for explicit confirmation (a :mod:`apigen.env.protocol`
confirmation request stating every non-blank argument, worded per the ``phrasing``
knob and drawn per episode and step, then a "yes" by ``protocol.consent`` in the
latest user message), any other write is made at once.
It reports the outcome with the blueprint's outputs verbatim and asks whether there
is anything else. Identity comes first: the calls of tools declared
``authenticates`` run once the customer has stated every value they take. A write
declared ``handoff`` is reported as "I have transferred you ...".

Faults (one per episode, see :func:`apigen.llm.sim.planned_faults`) hit one step:
``wrong_argument``, ``skipped_step``, ``extra_write``, ``missing_confirmation``,
``invented_output``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from apigen.env import Tool, leaves, mentions, numbers_in, protocol
from apigen.llm.sim import _agent_faults as faults
from apigen.llm.sim._common import Turn, humanize, is_error_output
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._facts import render_value
from apigen.llm.sim._plan import FaultPlan, Plan, Step, plan_of, tool_map_for
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.types import JSON, ToolCall

__all__ = ["respond"]

_ELSE = "Is there anything else I can help with?"

_GREET = ("Hi! How can I help you today?", "Hello, thanks for reaching out. How can I help?")
_ASK_ID = (
    "I can help with that. First, I need to verify your identity: could you please "
    "provide your {fields}?",
    "Sure. Before I look into it, could you please tell me your {fields} so I can "
    "verify your identity?",
)
_REPORT = ("Done: {what} completed successfully.", "All set: {what} went through.")
_OUTPUTS = ("For your information: {outs}.", "Here are the details: {outs}.")
_DECLINED = "Understood, I won't make that change. " + _ELSE
_HANDED_OFF = (
    "I have transferred you to a colleague; they will take over this conversation shortly."
)


@dataclass
class _StepState:
    requested: bool = False
    asked: bool = False
    answer: str | None = None
    write_ids: set[str | None] = field(default_factory=set)
    write_ok: bool | None = None
    error: str = ""


def _mentions_step(text: str, step: Step) -> bool:
    verb = step.write.name.split("_")[0]
    values = [v for v in step.cues() if not isinstance(v, str) or len(v) > 1]
    return re.search(rf"\b{re.escape(verb)}", text, re.I) is not None or any(
        mentions(text, v) for v in values
    )


def _scan(turns: Sequence[Turn], plan: Plan, fault: FaultPlan) -> tuple[int, list[_StepState]]:
    """Replay the conversation through the step machine: current step and step states."""
    states = [_StepState() for _ in plan.steps]
    skip = fault.step(len(plan.steps)) if fault.kind == "skipped_step" else -1
    i = 0
    for t in turns:
        if i >= len(states):
            break
        s, step = states[i], plan.steps[i]
        if t.role == "tool" and t.call_id in s.write_ids:
            ok = not is_error_output(t.content)
            s.write_ok = bool(s.write_ok) or ok
            s.error = s.error if ok else t.content
        elif t.role == "user":
            if not s.requested and _mentions_step(t.content, step):
                s.requested = True
            elif s.asked:
                s.answer = protocol.consent(t.content)
        elif t.role == "assistant" and t.calls:
            s.write_ids |= {c.id for c in t.calls if c.name == step.write.name and s.requested}
        elif t.role == "assistant" and protocol.asks_confirmation(t.content):
            s.asked, s.answer = True, None
        elif t.role == "assistant" and (
            s.write_ok is not None
            or s.answer == "no"
            or (i == skip and (s.answer == "yes" or (s.requested and not step.confirm)))
        ):
            i += 1
    return i, states


def _describe(call: ToolCall) -> str:
    """``modify user address (user id: u1; line1: 1 Main St; city: Austin)``: every
    argument that holds something, values written as a person would."""
    shown = {humanize(k): render_value(v) for k, v in call.arguments.items()}
    parts = [f"{k}: {v}" for k, v in shown.items() if v]
    return f"{humanize(call.name)} ({'; '.join(parts)})" if parts else humanize(call.name)


def _fault_step(fault: FaultPlan, plan: Plan) -> int:
    """The step the episode's fault hits: ``missing_confirmation`` only hits steps
    declared ``confirm`` (none: -1, the episode plays clean)."""
    if fault.kind != "missing_confirmation":
        return fault.step(len(plan.steps))
    asked = [k for k, s in enumerate(plan.steps) if s.confirm]
    return asked[fault.step(len(asked))] if asked else -1


def _done(call: ToolCall, turns: Sequence[Turn]) -> bool:
    return any(
        c.name == call.name and c.arguments == call.arguments for c in faults.ok_calls(turns)
    )


def _fields(identity: dict[str, JSON]) -> str:
    names = [humanize(k) for k in identity]
    if {"first name", "last name"} <= set(names):
        names = ["full name"] + [n for n in names if n not in ("first name", "last name")]
    names = ["zip code" if n == "zip" else n for n in names]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _tried_since_user(call: ToolCall, turns: Sequence[Turn]) -> bool:
    """``call`` was already attempted after the customer last spoke (do not loop on errors)."""
    for t in reversed(turns):
        if t.role == "user":
            return False
        if any(c.name == call.name and c.arguments == call.arguments for c in t.calls):
            return True
    return False


def _calls(calls: Sequence[ToolCall]) -> list[tuple[str, dict[str, JSON] | str]]:
    return [(c.name, dict(c.arguments)) for c in calls]


def respond(req: SimRequest) -> SimReply:
    """The agent's next turn: text, or tool calls (several reads in one turn allowed)."""
    bp = req.need(ContextKey.BLUEPRINT)
    tools = tool_map_for(req.ctx, bp.domain)
    plan = plan_of(bp, tools)
    fault = req.faults()
    turns = [t for t in req.turns if t.role != "system"]
    users = [t for t in turns if t.role == "user"]
    pick = req.episode_rng("texts").randrange(2)
    if not users:
        return SimReply(_GREET[pick], reasoning="New conversation: greet the customer.")
    auth_todo = [c for c in plan.auth if not _done(c, turns)]
    if auth_todo:
        given = all(any(mentions(u.content, v) for u in users) for v in leaves(plan.identity))
        if given and not any(_tried_since_user(c, turns) for c in auth_todo):
            return SimReply(None, _calls(auth_todo), reasoning="Identity given: look it up.")
        ask = _ASK_ID[pick].format(fields=_fields(plan.identity))
        if len(users) > 1:
            ask = "I still need to verify your identity before I can help. " + ask
        return SimReply(ask, reasoning="Identity is not verified yet: ask for it.")
    if plan.lookups and not plan.steps:
        return _look_up(plan, turns)
    i, states = _scan(turns, plan, fault)
    if i >= len(plan.steps):
        return SimReply(_ELSE, reasoning="Every request is handled.")
    s, step = states[i], plan.steps[i]
    last = turns[-1]
    if not s.requested:
        if last.role == "tool":
            text = "Thank you, I have verified your identity. How can I help you today?"
        else:
            text = "I'm sorry, but I can't help with that. " + _ELSE
        return SimReply(text, reasoning="Waiting for the customer's request.")
    reads = [c for c in step.reads if not _done(c, turns) and not _tried_since_user(c, turns)]
    if reads and s.write_ok is None:
        return SimReply(None, _calls(reads), reasoning=f"Look up what {step.write.name} needs.")
    if s.write_ok is not None:
        latest = next(t for t in reversed(turns) if t.role == "assistant" and t.calls)
        post = [c for c in step.post_reads if not _done(c, turns)]
        if post and s.write_ok and any(c.id in s.write_ids for c in latest.calls):
            return SimReply(None, _calls(post), reasoning="Look up the result.")
        return SimReply(_report(req, plan, i, turns, s), reasoning="Report the outcome.")
    target = _fault_step(fault, plan)
    if not step.confirm and fault.kind == "skipped_step" and i == target:
        return SimReply(_report(req, plan, i, turns, s), reasoning="Report the outcome.")
    if not step.confirm or (fault.kind == "missing_confirmation" and i == target):
        return _write(req, plan, i, turns, tools, fault)
    if not s.asked or s.answer in (None, "unclear"):
        shapes, rng = protocol.phrasing_shapes(req.knobs.phrasing), req.episode_rng("ask", i)
        lead, question = rng.choice(shapes.leads), rng.choice(shapes.questions)
        text = protocol.confirmation_request(_describe(step.write), lead, question)
        if s.answer == "unclear":
            text = "I'm sorry, I can't help with that here. " + text
        return SimReply(text, reasoning="Ask for explicit confirmation before the write.")
    if s.answer == "no":
        return SimReply(_DECLINED, reasoning="The customer declined.")
    if fault.kind == "skipped_step" and i == target:
        return SimReply(_report(req, plan, i, turns, s), reasoning="Report the outcome.")
    return _write(req, plan, i, turns, tools, fault)


def _write(
    req: SimRequest,
    plan: Plan,
    i: int,
    turns: Sequence[Turn],
    tools: Mapping[str, Tool],
    fault: FaultPlan,
) -> SimReply:
    call = plan.steps[i].write
    hit = i == _fault_step(fault, plan)
    trial = faults.Trial(
        env=req.ctx.get(ContextKey.ENV),
        before=tuple(faults.ok_calls(turns)),
        after=tuple(c for s in plan.steps[i + 1 :] for c in (*s.reads, s.write)),
    )
    if hit and fault.kind == "wrong_argument":
        call = faults.wrong_argument(
            call, tools.get(call.name), turns, trial, req.episode_rng("wa")
        )
    calls = [call]
    if hit and fault.kind == "extra_write":
        calls.append(faults.extra_write(call, tools, turns, trial, req.episode_rng("ew")))
    return SimReply(None, _calls(calls), reasoning=f"Confirmed: call {call.name}.")


def _shown(output: str, seen: str) -> bool:
    """A tool result shows ``output``: as text, or as every number it holds."""
    numbers = numbers_in(output)
    return output.lower() in seen.lower() or (bool(numbers) and numbers <= numbers_in(seen))


def _look_up(plan: Plan, turns: Sequence[Turn]) -> SimReply:
    """An information-only task: make its reads once asked, then tell what they show."""
    if not any(t.role == "user" for t in turns[1:]):
        return SimReply(_ELSE, reasoning="Waiting for the customer's request.")
    todo = [c for c in plan.lookups if not _done(c, turns) and not _tried_since_user(c, turns)]
    if todo:
        return SimReply(None, _calls(todo), reasoning="Look up what the customer asks.")
    said = " ".join(t.content for t in turns if t.role == "assistant")
    outs = [o for o in plan.outputs if o not in said]
    if not outs:
        return SimReply(_ELSE, reasoning="Every request is handled.")
    return SimReply(f"Here is what I found: {'; '.join(outs)}. {_ELSE}", reasoning="Report.")


def _report(req: SimRequest, plan: Plan, i: int, turns: Sequence[Turn], s: _StepState) -> str:
    pick = req.episode_rng("report", i).randrange(2)
    what = humanize(plan.steps[i].write.name)
    if s.write_ok is False:
        return f"I'm sorry, the {what} could not be completed: {s.error.strip()} {_ELSE}"
    said = " ".join(t.content for t in turns if t.role == "assistant")
    seen = " ".join(t.content for t in turns if t.role == "tool")
    final = i == len(plan.steps) - 1
    outs = [o for o in plan.outputs if o not in said and (final or _shown(o, seen))]
    fault = req.faults()
    if fault.kind == "invented_output":
        rng = req.episode_rng("io")
        if plan.outputs:
            wrong = plan.outputs[fault.step(len(plan.outputs))]
            outs = [faults.invent_output(o, rng) if o == wrong else o for o in outs]
        elif i == fault.step(len(plan.steps)):
            outs.append(faults.invented_reference(rng, seen).rstrip("."))
    handoff = plan.steps[i].handoff
    text = _HANDED_OFF if handoff else _REPORT[pick].format(what=what)
    if outs:
        text += " " + _OUTPUTS[pick].format(outs="; ".join(outs))
    return text if handoff else f"{text} {_ELSE}"
