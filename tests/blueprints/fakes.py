"""A scripted client for phase-1 unit tests that need exact control of each answer.

Whole-pipeline tests use the ``sim/…`` models; these fakes pin down single
behaviours (a split committee, an unreadable reviewer, a fault in a chosen round).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apigen.blueprints import AttemptSpec, Phase1Config, PromptTemplates, sample_context
from apigen.blueprints._attempt import sim_context, template_variables
from apigen.blueprints._client import ModelClient, UsageTally
from apigen.blueprints._committee import review
from apigen.env import Environment, TaskSketch, replay_with_policy
from apigen.types import Blueprint, Message, StageOutcome, ToolCall, Usage

Answer = Callable[[str, str, Mapping[str, Any]], str | None]
"""(model, prompt, context) -> text."""


@dataclass(frozen=True)
class FakeCompletion:
    text: str | None
    reasoning: str | None = None
    usage: Usage = field(default_factory=lambda: Usage(calls=1, prompt_tokens=10))


def write_up(sketch: TaskSketch, fault: str | None = None) -> str:
    """A correct four-section answer for ``sketch``, or one with ``fault``."""
    who = ", ".join(f"{k} {v}" for k, v in sketch.identity.items())
    intents = [s.intent for s in sketch.steps]
    if fault == "missing_fact":
        intents[0] = "do something with your account"
    instruction = f"You are the customer with {who}. You want to " + ", then ".join(intents) + "."
    actions = [c.model_dump(exclude_none=True) for c in sketch.auth]
    for step in sketch.steps:
        actions += [c.model_dump(exclude_none=True) for c in step.reads]
        actions.append(step.call.model_dump(exclude_none=True))
    if fault == "policy_breach":
        actions = actions[len(sketch.auth) :]
    if fault == "unknown_tool":
        actions[-1]["name"] = "teleport_money"
    if fault == "bad_argument":
        actions[-1]["arguments"] = {**actions[-1]["arguments"], "account_id": 12}
    outputs = [o for s in sketch.steps for o in s.outputs]
    text = (
        f"<reasoning>write up</reasoning>\n<instruction>{instruction}</instruction>\n"
        f"<actions>{json.dumps(actions)}</actions>\n<outputs>{json.dumps(outputs)}</outputs>"
    )
    if fault == "malformed":
        text = text.replace("</actions>", "")
    return text


def review_json(**scores: float) -> str:
    crit = {
        c: {"score": scores.get(c, 1), "reason": f"{c} judged"}
        for c in ("correctness", "completeness", "satisfaction", "creativity")
    }
    return "```json\n" + json.dumps({"criteria": crit, "rationale": "ok"}) + "\n```"


def fair_review(context: Mapping[str, Any]) -> str:
    """Completeness fails when an intent's facts are missing from the instruction."""
    bp: Blueprint = context["blueprint"]
    sketch: TaskSketch = context["task"]
    facts = [str(v) for s in sketch.steps for v in s.facts.values()]
    missing = [f for f in facts if f not in bp.instruction]
    return review_json(completeness=0 if missing else 1)


class FakeClient:
    """Answers by role; records every call as (role, model, context)."""

    def __init__(
        self,
        generator: Answer | None = None,
        reviewer: Answer | None = None,
        feedback: Answer | None = None,
        faults: Mapping[int, str] | None = None,
        reviewers: tuple[str, ...] = ("sim/reviewer",) * 3,
    ) -> None:
        self.faults = dict(faults or {})
        self.reviewers = reviewers
        self.answers: dict[str, Answer] = {
            "generator": generator or self._generate,
            "reviewer": reviewer or (lambda model, prompt, ctx: fair_review(ctx)),
            "feedback": feedback or (lambda model, prompt, ctx: "- fix it"),
        }
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.prompts: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def _generate(self, model: str, prompt: str, ctx: Mapping[str, Any]) -> str:
        if "recombine" in ctx:
            return write_up(ctx["task"])
        return write_up(ctx["task"], self.faults.get(ctx["round"]))

    def members(self, role: str) -> tuple[str, ...]:
        return self.reviewers if role == "reviewer" else (f"fake/{role}",)

    async def complete(
        self,
        role: str,
        model: str | None,
        messages: list[Message],
        *,
        context: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> FakeCompletion:
        ctx = dict(context or {})
        self.calls.append((role, model or "", ctx))
        self.prompts.append(messages[-1].content or "")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)
        try:
            return FakeCompletion(self.answers[role](model or "", messages[-1].content or "", ctx))
        finally:
            self.in_flight -= 1


async def review_toy(
    env: Environment, client: ModelClient, config: Phase1Config, tally: UsageTally | None = None
) -> StageOutcome:
    """The review stage on a one-lookup blueprint of the toy bank (replayed, so the
    reviewers see its tool output and diff)."""
    ctx = sample_context(AttemptSpec(domain="toy", index=2), env, config)
    bp = Blueprint(
        domain="toy",
        instruction="You are user0@example.com and want your account looked up.",
        actions=(ToolCall(name="find_user", arguments={"email": "user0@example.com"}),),
    )
    replay = replay_with_policy(env, bp.actions)
    return await review(
        bp,
        replay.diff,
        models=client.members("reviewer"),
        client=client,
        config=config,
        templates=PromptTemplates(),
        variables=template_variables(ctx),
        context=sim_context(ctx, config, 0, []),
        tally=tally or UsageTally(),
        trace=replay.trace,
    )
