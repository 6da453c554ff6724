"""The trajectory committee: judges score criteria, the majority of cast votes decides."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from apigen.errors import ProviderError
from apigen.llm.sim import ContextKey as K
from apigen.rollout._client import ModelClient, UsageBook, ask, derive_seed
from apigen.rollout._config import RolloutConfig
from apigen.types import Blueprint, Message, Verdict, Vote

__all__ = ["committee_verdict", "judge_prompt", "parse_json_object", "parse_vote", "transcript"]

_CRITERIA_TEXT = {
    "policy_adherence": "the agent followed the policy (identity checked, explicit "
    "confirmation before every change, nothing outside the rules)",
    "faithfulness": "the agent invented nothing: every fact it stated and every claim of "
    "success is supported by the tool results",
    "human_realism": "the customer behaved like a real person following the task: revealed "
    "details when needed, did not act as the agent, invented nothing",
}

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def transcript(messages: Sequence[Message], *, tools: bool = True) -> str:
    """A plain-text rendering of the conversation (system prompt left out)."""
    lines = []
    for msg in messages:
        if msg.role == "user":
            lines.append(f"CUSTOMER: {msg.content or ''}")
        elif msg.role == "assistant":
            if msg.content:
                lines.append(f"AGENT: {msg.content}")
            if tools:
                lines += [
                    f"AGENT CALLS {c.name}({json.dumps(c.arguments, ensure_ascii=False)})"
                    for c in msg.tool_calls
                ]
        elif msg.role == "tool" and tools:
            lines.append(f"TOOL {msg.name}: {msg.content or ''}")
    return "\n".join(lines)


def judge_prompt(
    blueprint: Blueprint, policy: str, messages: Sequence[Message], criteria: Sequence[str]
) -> list[Message]:
    """The messages a judge receives: its role, the policy, the task and the transcript."""
    wanted = "\n".join(f"- {c}: {_CRITERIA_TEXT.get(c, c)}" for c in criteria)
    shape = ", ".join(f'"{c}": {{"score": 0 or 1, "reason": "..."}}' for c in criteria)
    system = (
        "You judge a conversation between a customer (simulated) and a tool-using agent. "
        f"Score each criterion 1 (satisfied) or 0 (not satisfied):\n{wanted}\n\n"
        f'Answer with a JSON object only: {{"criteria": {{{shape}}}, "rationale": "..."}}'
    )
    user = (
        f"Agent policy:\n{policy}\n\nCustomer's task:\n{blueprint.instruction}\n\n"
        f"Conversation:\n{transcript(messages)}"
    )
    return [Message(role="system", content=system), Message(role="user", content=user)]


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in ``text`` (code fences and surrounding prose tolerated)."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start == -1 or end <= start:
        return None
    try:
        value = json.loads(body[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_vote(judge: str, text: str, criteria: Sequence[str]) -> Vote | None:
    """A judge's answer as a :class:`Vote` (passes iff every criterion scores >= 0.5);
    ``None`` when it is not a JSON object scoring every criterion with a number."""
    found = parse_json_object(text)
    scored = found.get("criteria") if found else None
    if not isinstance(scored, dict):
        return None
    scores: dict[str, float] = {}
    reasons = []
    for name in criteria:
        entry = scored.get(name)
        score = entry.get("score") if isinstance(entry, dict) else entry
        if isinstance(score, bool):
            score = float(score)
        if not isinstance(score, int | float):
            return None
        scores[name] = float(score)
        if score < 0.5 and isinstance(entry, dict) and entry.get("reason"):
            reasons.append(f"{name}: {entry['reason']}")
    rationale = str(found.get("rationale", "")) if found else ""
    if reasons:
        rationale = "; ".join(reasons) + (f" | {rationale}" if rationale else "")
    mean = sum(scores.values()) / len(scores) if scores else 1.0
    passed = all(s >= 0.5 for s in scores.values())
    return Vote(judge=judge, passed=passed, score=mean, scores=scores, rationale=rationale)


async def _vote(
    client: ModelClient,
    config: RolloutConfig,
    book: UsageBook,
    judge: str,
    member: int,
    prompt: list[Message],
    context: Callable[..., dict[str, Any]],
) -> Vote:
    model = judge.split("#", 1)[0]
    last = ""
    for attempt in range(config.judge_attempts):
        seed = derive_seed(context()[K.SEED], "judge", member, attempt)
        try:
            ctx = context(**{K.SEED: seed, K.CRITERIA: list(config.criteria)})
            completion = await ask(client, book, "judge", model, prompt, None, ctx)
        except ProviderError as exc:
            return Vote(judge=judge, passed=None, rationale=f"abstained: provider error {exc.kind}")
        last = completion.text or ""
        vote = parse_vote(judge, last, config.criteria)
        if vote is not None:
            return vote
    snippet = last.strip().replace("\n", " ")[:120]
    return Vote(judge=judge, passed=None, rationale=f"abstained: unparseable answer {snippet!r}")


async def committee_verdict(
    client: ModelClient,
    config: RolloutConfig,
    book: UsageBook,
    blueprint: Blueprint,
    policy: str,
    messages: Sequence[Message],
    context: Callable[..., dict[str, Any]],
    members: Sequence[str],
) -> Verdict:
    """Every judge of ``members`` (model names) votes; passes iff more cast votes pass
    than fail."""
    prompt = judge_prompt(blueprint, policy, messages, config.criteria)
    votes = await asyncio.gather(
        *(_vote(client, config, book, judge, i, prompt, context) for i, judge in enumerate(members))
    )
    yes = sum(v.passed is True for v in votes)
    no = sum(v.passed is False for v in votes)
    abstained = len(votes) - yes - no
    reasons = [f"{yes} pass, {no} fail, {abstained} abstain"]
    reasons += [f"{v.judge}: {v.rationale}" for v in votes if v.passed is False and v.rationale]
    score = yes / (yes + no) if yes + no else None
    return Verdict(
        verifier="committee",
        passed=yes > no,
        score=score,
        reasons=tuple(reasons),
        votes=tuple(votes),
    )
