"""``sim/generator``: writes a blueprint from the context's ``TaskSketch`` and persona,
or, when no sketch is shown, composes one from the prompt's variables alone
(:mod:`apigen.llm.sim._compose`).

Answer format (what the phase-1 parser reads)::

    <reasoning>free text</reasoning>
    <instruction>second-person task for the human</instruction>
    <actions>[{"name": "...", "arguments": {...}}, ...]</actions>
    <outputs>["...", ...]</outputs>

Actions are the authentication calls, then each step's reads and its write; outputs
are every step's outputs. The instruction is assembled from varied templates
(openings, persona flavour, fact order, connectives) and holds every fact the human
needs, but no tool names.

Faults (one per episode, planned in round 0): ``unknown_tool``, ``bad_argument``,
``policy_breach``, ``missing_fact``, ``malformed``. In a later round with feedback,
a fault is repaired when the feedback names it (see ``_NAMED``) and a seeded draw
under ``repair`` succeeds, or when an earlier round's draw did.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from apigen.env import Environment, TaskSketch, leaves, mentions
from apigen.llm.sim._common import humanize
from apigen.llm.sim._compose import compose
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._plan import tool_map_for
from apigen.llm.sim._request import SimReply, SimRequest
from apigen.types import JSON, ToolCall

__all__ = ["respond"]

_NAMED = {
    "unknown_tool": r"unknown tool|unknown_tool|no such tool|not offered",
    "bad_argument": r"argument|invalid|type",
    "policy_breach": r"auth|policy|violat",
    "missing_fact": r"not stated|missing fact|completeness|not grounded|instruction",
    "malformed": r"format|pars|malformed|json|section|tag",
}
_OPEN = ("You are {p}.", "Imagine you are {p}.", "In this conversation you are {p}.")
_FLAVOUR = (
    "You are polite but get to the point quickly.",
    "You like to double-check details before agreeing to anything.",
    "You write short messages and do not volunteer information unless asked.",
    "You are a little impatient and want this sorted out today.",
)
_WANT = ("you want to {i}.", "you would like to {i}.", "you need to {i}.")
_FIRST, _THEN, _LAST = (
    ("First, ", ""),
    ("Then ", "After that, ", "Next, "),
    ("Finally, ", "Lastly, "),
)
_ANSWER = ("If the agent asks about the {k}, say {v}.", "If asked for the {k}, you answer {v}.")


def _persona(text: str) -> str:
    text = text.strip().rstrip(".")
    head = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if head[1:] == head[1:].lower() else text


def _identity(identity: dict[str, str], rng: random.Random) -> list[str]:
    facts = dict(identity)
    parts = []
    if "first_name" in facts and "last_name" in facts:
        parts.append(f"your name is {facts.pop('first_name')} {facts.pop('last_name')}")
    parts += [f"your {'zip code' if k == 'zip' else humanize(k)} is {v}" for k, v in facts.items()]
    rng.shuffle(parts)
    if rng.random() < 0.5:
        return [p[:1].upper() + p[1:] + "." for p in parts]
    joined = " and ".join(parts)
    return [joined[:1].upper() + joined[1:] + "."] if parts else []


_SETTING = re.compile(
    r"^(?P<setting>(?:in|on|for|from|with|at|about|regarding|as for)\s[^,]{1,80}),\s+(?P<act>.+)$",
    re.I | re.S,
)
"""An intent that opens with where it applies: "in order #R1, exchange ..."."""


def _request(lead: str, want: str, intent: str) -> str:
    """One step's sentence: connective, then "you want to <intent>". A leading setting
    ("in order #R1, exchange ...") goes before "you", never into the verb slot."""
    intent = intent.strip().rstrip(".")
    found = _SETTING.match(intent)
    if found:
        setting = found["setting"]
        sentence = f"{lead}{setting[:1].lower()}{setting[1:]}, " + want.format(i=found["act"])
    else:
        sentence = lead + want.format(i=intent)
    return sentence[:1].upper() + sentence[1:]


def _stated(intent: str, value: str) -> bool:
    """The intent already states ``value``: whole, or each of its ``;``-separated parts."""
    parts = [p for p in (x.strip() for x in str(value).split(";")) if p]
    return mentions(intent, value) or (bool(parts) and all(mentions(intent, p) for p in parts))


def _instruction(task: TaskSketch, persona: str, rng: random.Random) -> str:
    parts = [rng.choice(_OPEN).format(p=_persona(persona)), *_identity(dict(task.identity), rng)]
    n = len(task.steps)
    for j, step in enumerate(task.steps):
        lead = "" if n == 1 else rng.choice(_FIRST if j == 0 else _LAST if j == n - 1 else _THEN)
        parts.append(_request(lead, rng.choice(_WANT), step.intent))
        for k, v in step.facts.items():
            if not _stated(step.intent, v):
                label = humanize(k)
                parts.append(f"{label[:1].upper()}{label[1:]}: {v}.")
    answers = [rng.choice(_ANSWER).format(k=humanize(k), v=v) for k, v in task.answers.items()]
    rng.shuffle(answers)
    return " ".join([*parts, *answers, rng.choice(_FLAVOUR)])


def _actions(task: TaskSketch) -> list[ToolCall]:
    out = list(task.auth)
    for step in task.steps:
        out += [*step.reads, step.call]
    return out


def _repaired(req: SimRequest, kind: str) -> bool:
    rnd = int(req.ctx.get(ContextKey.ROUND) or 0)
    feedback = " ".join(str(f) for f in req.ctx.get(ContextKey.FEEDBACK) or ())
    if rnd <= 0 or not feedback:
        return False
    draws = [req.episode_rng("repair", r).random() < req.knobs.repair for r in range(1, rnd + 1)]
    named = re.search(_NAMED[kind], feedback, re.I) is not None
    return any(draws[:-1]) or (named and draws[-1])


def _scrub(text: str, value: str | int | float) -> str:
    vague = "some" if isinstance(value, int | float) else "the one you have in mind"
    if isinstance(value, int | float):
        pattern = rf"(?<![\w.]){re.escape(str(value))}(?!\w|\.\d)"
    else:
        pattern = r"(?<![\w])#?" + re.escape(value.lstrip("#")) + r"(?![\w])"
    return re.sub(pattern, vague, text, flags=re.I)


def _missing_fact(task: TaskSketch, text: str, env: Environment | None, target: int) -> str:
    values = [v for s in task.steps for v in leaves(s.call.arguments) if mentions(text, v)]
    if not values:
        return text
    seen = ""
    if env is not None:
        box = env.sandbox()
        reads = [*task.auth, *(r for s in task.steps for r in s.reads)]
        seen = " ".join(json.dumps(e.output) for e in box.replay(reads) if e.ok)
    hidden = [v for v in values if not mentions(seen, v)] or values
    numeric = [v for v in hidden if isinstance(v, int | float)] or hidden
    return _scrub(text, numeric[target % len(numeric)])


def _bad_argument(
    actions: list[ToolCall], req: SimRequest, domain: str, rng: random.Random
) -> list[ToolCall]:
    tools = tool_map_for(req.ctx, domain)
    writes = [k for k, a in enumerate(actions) if a.name in tools and tools[a.name].kind == "write"]
    writes = [k for k in writes if actions[k].arguments] or writes
    if not writes:
        return actions
    k = writes[rng.randrange(len(writes))]
    call = actions[k]
    args: dict[str, JSON] = dict(call.arguments)
    if not args:
        return actions
    name = rng.choice(sorted(args))
    required = tools[call.name].parameters.get("required", [])
    if name in required and rng.random() < 0.5:
        del args[name]
    else:
        v = args[name]
        args[name] = str(v) if isinstance(v, int | float) and not isinstance(v, bool) else 12345
    return [*actions[:k], ToolCall(name=call.name, arguments=args), *actions[k + 1 :]]


def _composed(req: SimRequest, persona: str, rng: random.Random) -> tuple[Any, ...]:
    """Compose mode: (instruction, actions, outputs, auth count, write values, reasoning)."""
    prompt = req.ctx[ContextKey.PROMPT]
    feedback = " ".join(str(f) for f in req.ctx.get(ContextKey.FEEDBACK) or ())
    rnd = int(req.ctx.get(ContextKey.ROUND) or 0)
    made = compose(prompt, feedback, req.episode_rng("compose", rnd))
    opening = rng.choice(_OPEN).format(p=_persona(persona))
    instruction = " ".join([opening, *made.instruction_parts, rng.choice(_FLAVOUR)])
    values = [v for c in made.writes for v in leaves(c.arguments)]
    what = ", ".join(c.name for c in made.writes) or "information only"
    reasoning = f"Composed from the shown records for {_persona(persona)}: {what}."
    return instruction, list(made.actions), made.outputs, made.n_auth, values, reasoning


def _planned(
    req: SimRequest, task: TaskSketch, persona: str, rng: random.Random
) -> tuple[Any, ...]:
    """From the shown sketch: (instruction, actions, outputs, auth count, None, reasoning)."""
    instruction = _instruction(task, persona, rng)
    identifies = (
        f" and identifies with {', '.join(humanize(k) for k in task.identity)}"
        if task.identity
        else ""
    )
    auth = (
        f"; the agent must authenticate first ({', '.join(a.name for a in task.auth)})"
        if task.auth
        else ""
    )
    reasoning = (
        f"The human is {_persona(persona)}{identifies}. They need "
        f"{len(task.steps)} change(s): {', '.join(s.call.name for s in task.steps)}{auth}."
    )
    outputs = [o for s in task.steps for o in s.outputs]
    return instruction, _actions(task), outputs, len(task.auth), None, reasoning


def respond(req: SimRequest) -> SimReply:
    """A blueprint answer in the tagged text format: from the shown sketch when the
    context has one (``TASK``), else composed from the prompt's variables (``PROMPT``)."""
    task: TaskSketch | None = req.ctx.get(ContextKey.TASK)
    if task is None and req.ctx.get(ContextKey.PROMPT) is None:
        req.need(ContextKey.TASK)
    env = req.ctx.get(ContextKey.ENV)
    framed = env.domain.framing.user if env is not None else "a user"
    persona = str(req.ctx.get(ContextKey.PERSONA) or framed)
    domain = env.domain.name if env is not None else ""
    fault = req.faults()
    kind = fault.kind if fault.kind and not _repaired(req, fault.kind) else None
    rng = req.rng("generate")
    made = _planned(req, task, persona, rng) if task is not None else _composed(req, persona, rng)
    instruction, actions, outputs, n_auth, values, reasoning = made
    if kind == "unknown_tool" and actions:
        known = set(tool_map_for(req.ctx, domain)) | {a.name for a in actions}
        k = fault.target % len(actions)
        bogus = rng.choice(("process_", "submit_", "do_")) + actions[k].name
        while bogus in known:
            bogus += "_now"
        actions[k] = ToolCall(name=bogus, arguments=actions[k].arguments)
    elif kind == "bad_argument":
        actions = _bad_argument(actions, req, domain, rng)
    elif kind == "policy_breach":
        actions = actions[n_auth:]
    elif kind == "missing_fact" and task is not None:
        instruction = _missing_fact(task, instruction, env, fault.target)
    elif kind == "missing_fact" and values:
        said = [v for v in values if mentions(instruction, v)]
        if said:
            instruction = _scrub(instruction, said[fault.target % len(said)])
    actions_json = json.dumps(
        [{"name": a.name, "arguments": a.arguments} for a in actions], ensure_ascii=False
    )
    text = (
        f"<reasoning>{reasoning}</reasoning>\n<instruction>{instruction}</instruction>\n"
        f"<actions>{actions_json}</actions>\n<outputs>{json.dumps(outputs)}</outputs>"
    )
    if kind == "malformed":
        if rng.random() < 0.5:
            text = text.replace("</actions>", "")
        else:
            text = text.replace(actions_json, actions_json[:-1])
    return SimReply(text)
