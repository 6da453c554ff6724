"""Verifier ``committee``: judges score the conversation (:mod:`apigen.committee`),
the majority of cast votes decides.

Violations of unsound rules (``Violation.sound`` is ``False``, the policy verdict's
``review: …`` reasons) are put to the judges: the prompt lists them as points the
code could not decide, each with the call it refers to, and asks the judges to rule
on them under ``policy_adherence``; the verdict lists the points it ruled on."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from apigen.committee import CastMajority, Committee, Member, retry_note
from apigen.env import ReviewPoint, render_review_points
from apigen.llm.sim import ContextKey as K
from apigen.rollout._client import ModelClient, RoleUsage, derive_seed
from apigen.rollout._config import RolloutConfig
from apigen.rollout._verifiers import VerifierInput, register_verifier
from apigen.types import Blueprint, Message, ToolCall, Verdict, Violation

__all__ = [
    "call_line",
    "committee_verdict",
    "judge_committee",
    "judge_prompt",
    "review_points",
    "transcript",
]

_CRITERIA_TEXT = {
    "policy_adherence": "the agent followed the policy (identity checked, explicit "
    "confirmation before every change, nothing outside the rules)",
    "faithfulness": "the agent invented nothing: every fact it stated and every claim of "
    "success is supported by the tool results",
    "human_realism": "the user behaved like a real person following the task: revealed "
    "details when needed, did not act as the agent, invented nothing",
}


def call_line(call: ToolCall, agent: str = "AGENT") -> str:
    """A tool call as the transcript shows it: ``AGENT CALLS name({...})``."""
    return f"{agent} CALLS {call.name}({json.dumps(call.arguments, ensure_ascii=False)})"


def transcript(
    messages: Sequence[Message], *, tools: bool = True, user: str = "USER", agent: str = "AGENT"
) -> str:
    """A plain-text rendering of the conversation (system prompt left out), the
    speakers labelled ``user`` and ``agent`` (a domain's framing may name them)."""
    lines = []
    for msg in messages:
        if msg.role == "user":
            lines.append(f"{user}: {msg.content or ''}")
        elif msg.role == "assistant":
            if msg.content:
                lines.append(f"{agent}: {msg.content}")
            if tools:
                lines += [call_line(c, agent) for c in msg.tool_calls]
        elif msg.role == "tool" and tools:
            lines.append(f"TOOL {msg.name}: {msg.content or ''}")
    return "\n".join(lines)


def review_points(violations: Sequence[Violation], agent: str = "AGENT") -> list[ReviewPoint]:
    """The violations of unsound rules as points for the judges, each with its call
    as the transcript shows it (speaker ``agent``)."""
    points = (
        ReviewPoint(v.rule, v.message, call_line(v.call, agent) if v.call is not None else "")
        for v in violations
        if not v.sound
    )
    return list(dict.fromkeys(points))


_REVIEW_ASK = (
    "rule on each under policy_adherence: score it 0 if any of them is a real breach of "
    "the policy, and say in its reason how you ruled on each"
)


def judge_prompt(
    blueprint: Blueprint,
    policy: str,
    messages: Sequence[Message],
    criteria: Sequence[str],
    *,
    labels: tuple[str, str] = ("USER", "AGENT"),
    review: Sequence[ReviewPoint] = (),
) -> list[Message]:
    """The messages a judge receives: its role, the policy, the task, the transcript
    (speakers labelled ``labels``: user, agent) and the ``review`` points the code
    could not decide (ruled on under ``policy_adherence`` when that is a criterion)."""
    wanted = "\n".join(f"- {c}: {_CRITERIA_TEXT.get(c, c)}" for c in criteria)
    shape = ", ".join(f'"{c}": {{"score": 0 or 1, "reason": "..."}}' for c in criteria)
    system = (
        "You judge a conversation between a user (simulated) and a tool-using agent. "
        f"Score each criterion 1 (satisfied) or 0 (not satisfied):\n{wanted}\n\n"
        f'Answer with a JSON object only: {{"criteria": {{{shape}}}, "rationale": "..."}}'
    )
    user = (
        f"Agent policy:\n{policy}\n\nUser's task:\n{blueprint.instruction}\n\n"
        f"Conversation:\n{transcript(messages, user=labels[0], agent=labels[1])}"
    )
    if review and "policy_adherence" in criteria:
        user += "\n\n" + render_review_points(review, _REVIEW_ASK)
    return [Message(role="system", content=system), Message(role="user", content=user)]


def judge_committee(judges: Sequence[str], config: RolloutConfig) -> Committee:
    """The trajectory committee of ``judges`` (majority of cast votes; a member
    passes when it passes every criterion; ``judge_attempts`` asks; a provider
    error makes the member abstain)."""
    return Committee.of(
        judges,
        criteria=config.criteria,
        rule=CastMajority(),
        attempts=config.judge_attempts,
        provider_errors="abstain",
    )


async def committee_verdict(
    client: ModelClient,
    config: RolloutConfig,
    book: RoleUsage,
    judges: Sequence[str],
    blueprint: Blueprint,
    policy: str,
    messages: Sequence[Message],
    context: Callable[..., dict[str, Any]],
    *,
    labels: tuple[str, str] = ("USER", "AGENT"),
    violations: Sequence[Violation] = (),
) -> Verdict:
    """Every judge votes; passes iff more cast votes pass than fail; every vote kept.
    An unreadable answer is re-asked with its reason appended as a user message.
    The unsound ``violations`` are put to the judges (:func:`review_points`) and the
    verdict's reasons list them after the tally (``ruled on: …``)."""
    points = review_points(violations, labels[1]) if "policy_adherence" in config.criteria else []
    prompt = judge_prompt(
        blueprint, policy, messages, config.criteria, labels=labels, review=points
    )

    async def ask_judge(member: Member, attempt: int, why: str | None) -> str | None:
        seed = derive_seed(context()[K.SEED], "judge", member.index, attempt)
        ctx = context(**{K.SEED: seed, K.CRITERIA: list(config.criteria)})
        asked = prompt if why is None else [*prompt, Message(role="user", content=retry_note(why))]
        completion = await book.call(client, "judge", member.model, asked, ctx)
        return completion.text

    decision = await judge_committee(judges, config).decide(ask_judge)
    return Verdict(
        verifier="committee",
        passed=decision.passed,
        score=decision.score,
        reasons=(*decision.reasons, *(f"ruled on: {p.rule}: {p.message}" for p in points)),
        votes=decision.votes,
    )


@register_verifier("committee", after_pass=True)
async def _committee(inp: VerifierInput) -> Verdict | None:
    if not inp.judges:
        return None
    return await committee_verdict(
        inp.client,
        inp.config,
        inp.book,
        inp.judges,
        inp.blueprint,
        inp.env.domain.policy,
        inp.messages,
        inp.context,
        labels=(inp.env.domain.framing.user_label, inp.env.domain.framing.agent_label),
        violations=inp.violations,
    )
