"""``sim/human``: the customer, reading the blueprint's instruction and facts.

It sees the conversation as the human simulator does: a system message, then the
agent's text as ``user`` and its own earlier turns as ``assistant``; never tool
calls. Stateless: it counts which requests its own earlier turns revealed.

One request at a time: the first in the opening, the next whenever the agent asks
whether there is anything else, ``###STOP###`` when none is left. It recognises the
agent's moves with :mod:`apigen.env.protocol` only: it gives its identity (the
arguments of the blueprint's ``authenticates`` calls) to an identity request, agrees
to a confirmation request that is about its current request and states every fact
of it the customer knows (the values the instruction states; blank strings and the
agent's own free text are no facts) and refuses any other — agreement and refusal
worded per the ``phrasing`` knob (``varied``: drawn per episode and step from the
protocol's realistic shapes; ``canonical``: "Yes, please go ahead." / "No, don't do
that."), answers questions from facts it knows (stated in the instruction or by
the agent), and answers ``###TRANSFER###`` once the agent announces a transfer in a
domain with a tool declared ``handoff``, never to a question.
Faults: ``stop_early`` (stops when asked to confirm one request), ``drift`` (one
off-task question on its second or third turn).
"""

from __future__ import annotations

import re

from apigen.env import leaves, mentions, protocol
from apigen.llm.sim._common import first_person, humanize, sentences
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._plan import Plan, Step, plan_of, tool_map_for
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.types import JSON, Blueprint

__all__ = ["request_texts", "respond"]

STOP, TRANSFER = protocol.STOP, protocol.TRANSFER

_ELSE_RE = re.compile(r"\banything else\b", re.I)
_CONNECTIVE = re.compile(
    r"^(first|then|next|after that|afterwards|also|finally|lastly|besides|in addition|and|"
    r"and then)\b,?\s*",
    re.I,
)
_OPEN = ("Hi! ", "Hello, ", "Hi there. ")
_MORE = ("Yes, one more thing. ", "Actually, there is something else. ", "One more thing. ")
_DONE = ("That's all, thank you for your help! " + STOP, "No, that's everything. Thanks! " + STOP)
_EARLY = "Actually, let me think about it some more. That's all for now. " + STOP
_DRIFT = (
    "By the way, do you know what the weather will be like this weekend?",
    "Unrelated question: can you recommend a good restaurant near me?",
    "Oh, before I forget, what time does your nearest store open on Sundays?",
)


def _score(sentence: str, step: Step) -> int:
    verb = step.write.name.split("_")[0]
    hits = sum(2 for v in step.cues() if mentions(sentence, v))
    return hits + (1 if re.search(rf"\b{re.escape(verb)}", sentence, re.I) else 0)


def _is_what_i_asked(agent: str, step: Step, instruction: str) -> bool:
    """The agent's confirmation is about ``step`` (names its action or one of its cues)
    and states every fact of it the customer knows (values the instruction states)."""
    verb = step.write.name.split("_")[0]
    about = re.search(rf"\b{re.escape(verb)}", agent, re.I) is not None or any(
        mentions(agent, v) for v in step.cues()
    )
    known = [v for v in step.values() if mentions(instruction, v)]
    return about and all(mentions(agent, v) for v in known)


def _clauses(text: str) -> list[str]:
    """Sentences of ``text``, each cut at semicolons: one request per clause."""
    return [c.strip() for s in sentences(text) for c in re.split(r";\s+", s) if c.strip()]


def request_texts(blueprint: Blueprint, plan: Plan) -> list[str]:
    """What the customer says to ask for each step: the instruction clause (sentence,
    or part of one between semicolons) that names the step's facts, in the first
    person; a template stating the facts the instruction gives when none does."""
    pool = _clauses(blueprint.instruction)
    if not plan.steps and plan.lookups:  # an information-only task: the question asked
        values = [v for c in plan.lookups for v in leaves(c.arguments)]
        asks = [c for c in pool if any(mentions(c, v) for v in values)] or pool[-1:]
        text = _CONNECTIVE.sub("", first_person(asks[0])).rstrip() if asks else ""
        return [text if text.endswith((".", "!", "?")) else text + "."] if text else []
    used: set[int] = set()
    texts = []
    for step in plan.steps:
        ranked = sorted(
            ((_score(s, step), -k, k) for k, s in enumerate(pool) if k not in used), reverse=True
        )
        if ranked and ranked[0][0] >= 2:
            k = ranked[0][2]
            used.add(k)
            text = _CONNECTIVE.sub("", first_person(pool[k])).rstrip()
            text = text if text.endswith((".", "!", "?")) else text + "."
            texts.append(text[:1].upper() + text[1:])
            continue
        known = [str(v) for v in step.values() if mentions(blueprint.instruction, v)]
        text = f"I need help to {humanize(step.write.name)}"
        texts.append(text + (": " + ", ".join(known) + "." if known else "."))
    return texts


def _identity_text(identity: dict[str, JSON]) -> str:
    facts = dict(identity)
    parts = []
    if "first_name" in facts and "last_name" in facts:
        parts.append(f"my name is {facts.pop('first_name')} {facts.pop('last_name')}")
    for k, v in facts.items():
        name = "zip code" if k == "zip" else humanize(k)
        parts.append(f"my {name} is {v}")
    return "Sure, " + " and ".join(parts) + "."


def _answer_fact(
    question: str, blueprint: Blueprint, plan: Plan, current: int, agent_said: str
) -> str | None:
    facts: list[tuple[str, JSON]] = []
    if 0 <= current < len(plan.steps):
        facts += list(plan.steps[current].write.arguments.items())
    facts += list(plan.identity.items())
    facts += [(k, v) for k, v in blueprint.context.items() if isinstance(v, str | int | float)]
    for key, value in facts:
        words = [w for w in humanize(key).split() if w != "id"]
        if not words or not all(re.search(rf"\b{w}", question, re.I) for w in words):
            continue
        values = leaves(value)
        known = [v for v in values if mentions(blueprint.instruction, v) or mentions(agent_said, v)]
        if not known:
            return "I'm not sure about that, could you look it up for me?"
        return f"The {humanize(key)} is {', '.join(str(v) for v in known)}."
    return None


def respond(req: SimRequest) -> SimReply:
    """The customer's next message."""
    bp: Blueprint = req.need(ContextKey.BLUEPRINT)
    tools = tool_map_for(req.ctx, bp.domain)
    plan = plan_of(bp, tools)
    fault = req.faults()
    turns = [t for t in req.turns if t.role in ("user", "assistant") and t.content.strip()]
    own = [t.content for t in turns if t.role == "assistant"]
    agent = turns[-1].content if turns and turns[-1].role == "user" else ""
    rng = req.episode_rng("texts")
    pick = rng.randrange(3)
    requests = request_texts(bp, plan)
    revealed = 0
    while revealed < len(requests) and any(requests[revealed] in o for o in own):
        revealed += 1
    current = revealed - 1
    stop_at = fault.step(len(requests)) if fault.kind == "stop_early" else -1
    if not own:
        return SimReply(_OPEN[pick] + requests[0] if requests else _DONE[0])
    drift = _DRIFT[pick]
    if fault.kind == "drift" and len(own) == 1 + fault.target % 2 and drift not in own:
        return SimReply(drift)
    if protocol.asks_confirmation(agent):
        wanted = current >= 0 and _is_what_i_asked(agent, plan.steps[current], bp.instruction)
        if wanted and current == stop_at:
            return SimReply(_EARLY)
        shapes = protocol.phrasing_shapes(req.knobs.phrasing)
        draw = req.episode_rng("answer", current)
        return SimReply(draw.choice(shapes.agreements if wanted else shapes.refusals))
    if any(t.handoff for t in tools.values()) and protocol.announces_transfer(agent):
        return SimReply(TRANSFER)
    if plan.auth and protocol.asks_identity(agent, plan.identity):
        return SimReply(_identity_text(plan.identity))
    if _ELSE_RE.search(agent) or "?" not in agent:
        if revealed < len(requests):
            return SimReply(_MORE[pick] + requests[revealed])
        return SimReply(_DONE[pick % 2])
    said = " ".join(t.content for t in turns if t.role == "user")
    answer = _answer_fact(agent, bp, plan, current, said)
    if answer is not None:
        return SimReply(answer)
    return SimReply("As I said: " + requests[max(current, 0)] if requests else _DONE[0])
