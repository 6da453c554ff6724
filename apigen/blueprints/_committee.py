"""Stage ``review``: the blueprint committee (:mod:`apigen.committee`) with phase 1's rule."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from apigen.blueprints._client import ModelClient, UsageTally
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._stages import StageInput, register_stage
from apigen.blueprints._templates import PromptTemplates
from apigen.committee import Committee, CriterionMajority, Decision, Member
from apigen.llm.sim import ContextKey
from apigen.types import Blueprint, StageOutcome, StateDiff, ToolExecution

__all__ = ["CRITERIA_DEFINITIONS", "review", "review_committee"]

CRITERIA_DEFINITIONS: dict[str, str] = {
    "correctness": "the actions are exactly what the instruction asks, with the right "
    "arguments, and they follow the policy",
    "completeness": "the instruction gives the human every fact needed to obtain these "
    "actions (identity, ids, amounts, choices) and nothing the human could not know",
    "satisfaction": "doing the actions and telling the outputs fully satisfies the request",
    "creativity": "the task reads like a realistic request from a real person",
}
"""Definitions shown to reviewers (the reviewer template reads them)."""


def review_committee(models: Sequence[str], config: Phase1Config) -> Committee:
    """The review committee of ``models`` under ``config``'s rule (criterion majority,
    ``threshold``, ``required_criteria``; ``reviewer_retries`` re-asks)."""
    return Committee.of(
        models,
        criteria=config.criteria,
        rule=CriterionMajority(config.threshold, config.required_criteria),
        attempts=config.reviewer_retries + 1,
    )


def outcome(decision: Decision, prompt: str | None = None) -> StageOutcome:
    """The committee's decision as the ``review`` stage outcome (every vote kept)."""
    return StageOutcome(
        stage="review",
        passed=decision.passed,
        reasons=decision.reasons,
        votes=decision.votes,
        prompt=prompt,
    )


TOOL_OUTPUT_CHARS = 2_000
"""Most characters of one tool output shown to reviewers (longer ones are cut, marked)."""


def tool_outputs(trace: Sequence[ToolExecution]) -> list[dict[str, Any]]:
    """The replay's steps as the reviewer template shows them: call, output or error."""
    steps = []
    for i, step in enumerate(trace, 1):
        shown = json.dumps(step.output, ensure_ascii=False, default=str)
        if len(shown) > TOOL_OUTPUT_CHARS:
            shown = f"{shown[:TOOL_OUTPUT_CHARS]}… ({len(shown)} characters, cut)"
        steps.append(
            {
                "index": i,
                "name": step.call.name,
                "arguments": step.call.arguments,
                "write": step.write,
                "output": shown,
                "error": None if step.error is None else step.error.message,
            }
        )
    return steps


async def review(
    blueprint: Blueprint,
    diff: StateDiff,
    *,
    models: Sequence[str],
    client: ModelClient,
    config: Phase1Config,
    templates: PromptTemplates,
    variables: dict[str, Any],
    context: dict[str, Any],
    tally: UsageTally,
    trace: Sequence[ToolExecution] = (),
) -> StageOutcome:
    """Ask every member (one per name in ``models``) concurrently and decide.

    Reviewers see the blueprint, the replay's tool outputs (``trace``) and its state
    ``diff``; ``variables`` are template variables shared with the generator prompt
    (domain, policy); ``context`` is the sim context (the blueprint and criteria are
    added; each member's call carries its ``member`` index, which selects its
    ``member_params`` and keeps its cache key apart). The outcome keeps the prompt.
    Provider errors propagate (the caller retries the attempt).
    """
    shared = {
        **variables,
        "blueprint": blueprint,
        "actions": [{"name": a.name, "arguments": a.arguments} for a in blueprint.actions],
        "tool_outputs": tool_outputs(trace),
        "diff": diff,
        "criteria": list(config.criteria),
        "definitions": CRITERIA_DEFINITIONS,
    }
    ctx = {**context, ContextKey.BLUEPRINT: blueprint, ContextKey.CRITERIA: list(config.criteria)}
    shown = templates.render("reviewer.j2", **shared, retry_reason=None)

    async def ask(member: Member, attempt: int, why: str | None) -> str | None:
        prompt = (
            shown if why is None else templates.render("reviewer.j2", **shared, retry_reason=why)
        )
        # Each member (and round) is its own sim episode, so seeded noise differs per member.
        episode = f"{ctx[ContextKey.EPISODE]}/round{ctx[ContextKey.ROUND]}/{member.name}"
        call = {**ctx, ContextKey.EPISODE: episode, "member": member.index, "retry": attempt}
        return (await tally.call(client, "reviewer", member.model, prompt, call)).text

    return outcome(await review_committee(models, config).decide(ask), shown)


@register_stage("review")
async def _review_stage(inp: StageInput) -> StageOutcome:
    return await review(
        inp.blueprint,
        inp.replay.diff,
        models=inp.reviewers,
        client=inp.client,
        config=inp.config,
        templates=inp.templates,
        variables=inp.variables,
        context=inp.sim,
        tally=inp.tally,
        trace=inp.replay.trace,
    )
