"""Stage 4: the review committee — concurrent reviewers, abstentions, majority per criterion."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.blueprints._client import ModelClient, UsageTally
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._parse import ParsedReview, parse_review
from apigen.blueprints._templates import PromptTemplates
from apigen.llm.sim import ContextKey
from apigen.types import Blueprint, StageOutcome, StateDiff, Vote

__all__ = ["CRITERIA_DEFINITIONS", "Ballot", "aggregate_votes", "judge_names", "review"]

CRITERIA_DEFINITIONS: dict[str, str] = {
    "correctness": "the actions are exactly what the instruction asks, with the right "
    "arguments, and they follow the policy",
    "completeness": "the instruction gives the human every fact needed to obtain these "
    "actions (identity, ids, amounts, choices) and nothing the human could not know",
    "satisfaction": "doing the actions and telling the outputs fully satisfies the request",
    "creativity": "the task reads like a realistic request from a real person",
}
"""Definitions shown to reviewers (the reviewer template reads them)."""


@dataclass(frozen=True)
class Ballot:
    """One committee member's answer: scores, or the reason it was unreadable."""

    judge: str
    answer: ParsedReview | str


def judge_names(models: tuple[str, ...]) -> list[str]:
    """Member names: a model listed more than once gets ``#n`` suffixes (``sim/reviewer#2``)."""
    counts = Counter(models)
    seen: Counter[str] = Counter()
    names = []
    for m in models:
        seen[m] += 1
        names.append(f"{m}#{seen[m]}" if counts[m] > 1 else m)
    return names


def _accepts(passed: Mapping[str, bool], config: Phase1Config) -> tuple[bool, float]:
    mean = sum(passed.values()) / len(config.criteria)
    ok = mean >= config.threshold and all(passed[c] for c in config.required_criteria)
    return ok, mean


def _vote(ballot: Ballot, config: Phase1Config) -> Vote:
    if isinstance(ballot.answer, str):
        return Vote(judge=ballot.judge, passed=None, rationale=f"unparseable: {ballot.answer}")
    review = ballot.answer
    ok, _ = _accepts({c: review.scores[c] >= 0.5 for c in config.criteria}, config)
    critiques = [
        f"{c}: {review.reasons.get(c, 'no reason given')}"
        for c in config.criteria
        if review.scores[c] < 0.5
    ]
    rationale = "; ".join([r for r in [review.rationale] if r] + critiques)
    mean = sum(review.scores[c] for c in config.criteria) / len(config.criteria)
    return Vote(
        judge=ballot.judge,
        passed=ok,
        score=round(mean, 4),
        scores=review.scores,
        rationale=rationale,
    )


def aggregate_votes(ballots: list[Ballot], config: Phase1Config) -> StageOutcome:
    """Decide the review stage from the committee's ballots (rule: see :class:`Phase1Config`).

    Reasons name every failed criterion with its count and the critiques of the
    members who failed it; abstentions are listed too. A passing outcome carries one
    summary line.
    """
    votes = tuple(_vote(b, config) for b in ballots)
    readable = [b.answer for b in ballots if isinstance(b.answer, ParsedReview)]
    passed: dict[str, bool] = {}
    reasons: list[str] = []
    for c in config.criteria:
        yes = sum(1 for r in readable if r.scores[c] >= 0.5)
        passed[c] = yes > len(readable) - yes
        if not passed[c]:
            # Equal critiques (deterministic judges) are listed once, with their judges.
            critiques: dict[str, list[str]] = {}
            for b in ballots:
                if isinstance(b.answer, ParsedReview) and b.answer.scores[c] < 0.5:
                    why = b.answer.reasons.get(c, "no reason given")
                    critiques.setdefault(why, []).append(b.judge)
            detail = "; ".join(f"{', '.join(js)}: {why}" for why, js in critiques.items())
            reasons.append(
                f"{c}: {yes}/{len(readable)} reviewers passed" + (f" — {detail}" if detail else "")
            )
    ok, mean = _accepts(passed, config)
    abstained = [v.judge for v in votes if v.passed is None]
    if not readable:
        ok = False
        reasons.insert(0, "every reviewer abstained")
    summary = f"voted mean {mean:.2f} ({sum(passed.values())}/{len(passed)} criteria)"
    if abstained:
        summary += f"; abstained: {', '.join(abstained)}"
    if ok:
        reasons = [summary]
    else:
        missing = [c for c in config.required_criteria if not passed[c]]
        if missing:
            summary += f"; required criteria failed: {', '.join(missing)}"
        reasons.append(summary)
    return StageOutcome(stage="review", passed=ok, reasons=tuple(reasons), votes=votes)


async def _member(
    client: ModelClient,
    model: str,
    judge: str,
    member: int,
    variables: dict[str, Any],
    context: dict[str, Any],
    config: Phase1Config,
    templates: PromptTemplates,
    tally: UsageTally,
) -> Ballot:
    why: str | None = None
    for retry in range(config.reviewer_retries + 1):
        prompt = templates.render("reviewer.j2", **variables, retry_reason=why)
        # Each member (and round) is its own sim episode, so seeded noise differs per judge.
        episode = f"{context[ContextKey.EPISODE]}/round{context[ContextKey.ROUND]}/{judge}"
        ctx = {**context, ContextKey.EPISODE: episode, "member": member, "retry": retry}
        text = await tally.ask(client, "reviewer", model, prompt, ctx)
        answer = parse_review(text, config.criteria)
        if isinstance(answer, ParsedReview):
            return Ballot(judge, answer)
        why = answer
    return Ballot(judge, f"{why} (after {config.reviewer_retries + 1} tries)")


async def review(
    blueprint: Blueprint,
    diff: StateDiff,
    *,
    client: ModelClient,
    config: Phase1Config,
    templates: PromptTemplates,
    variables: dict[str, Any],
    context: dict[str, Any],
    tally: UsageTally,
    members: Sequence[str],
) -> StageOutcome:
    """Ask every committee member (``members``: model names) concurrently and
    aggregate their ballots.

    ``variables`` are template variables shared with the generator prompt (domain,
    policy); ``context`` is the sim context (the blueprint and criteria are added).
    """
    shared = {
        **variables,
        "blueprint": blueprint,
        "actions": [{"name": a.name, "arguments": a.arguments} for a in blueprint.actions],
        "diff": diff,
        "criteria": list(config.criteria),
        "definitions": CRITERIA_DEFINITIONS,
    }
    ctx = {**context, ContextKey.BLUEPRINT: blueprint, ContextKey.CRITERIA: list(config.criteria)}
    names = judge_names(tuple(members))
    ballots = await asyncio.gather(
        *(
            _member(client, model, names[i], i, shared, ctx, config, templates, tally)
            for i, model in enumerate(members)
        )
    )
    return aggregate_votes(list(ballots), config)
