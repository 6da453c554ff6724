"""The review committee: majority per criterion, the acceptance rule, abstentions, concurrency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apigen.blueprints import (
    AttemptSpec,
    Ballot,
    ParsedReview,
    Phase1Config,
    PromptTemplates,
    aggregate_votes,
    judge_names,
    sample_context,
)
from apigen.blueprints._attempt import sim_context, template_variables
from apigen.blueprints._client import UsageTally
from apigen.blueprints._committee import review
from apigen.env import Environment
from apigen.types import Blueprint, ToolCall
from tests.blueprints.fakes import FakeClient, review_json

CONFIG = Phase1Config()


def ballot(judge: str, **scores: float) -> Ballot:
    full = {c: scores.get(c, 1.0) for c in CONFIG.criteria}
    return Ballot(judge, ParsedReview(full, {c: f"{c} is off" for c in scores}, "overall"))


def test_judge_names_number_repeated_models_only() -> None:
    assert judge_names(("sim/reviewer", "openai/gpt-4o", "sim/reviewer")) == [
        "sim/reviewer#1",
        "openai/gpt-4o",
        "sim/reviewer#2",
    ]


def test_unanimous_committee_accepts() -> None:
    outcome = aggregate_votes([ballot("a"), ballot("b"), ballot("c")], CONFIG)
    assert outcome.stage == "review" and outcome.passed
    assert [v.passed for v in outcome.votes] == [True, True, True]
    assert "voted mean 1.00 (4/4 criteria)" in outcome.reasons[0]


def test_split_committee_is_decided_by_majority() -> None:
    two_pass = [ballot("a"), ballot("b", completeness=0), ballot("c")]
    outcome = aggregate_votes(two_pass, CONFIG)
    assert outcome.passed
    assert [v.passed for v in outcome.votes] == [True, False, True]
    two_fail = [ballot("a", completeness=0), ballot("b", completeness=0.4), ballot("c")]
    outcome = aggregate_votes(two_fail, CONFIG)
    assert not outcome.passed
    assert outcome.reasons[0] == "completeness: 1/3 reviewers passed — a, b: completeness is off"
    assert "required criteria failed: completeness" in outcome.reasons[-1]


def test_threshold_and_required_criteria() -> None:
    # Creativity alone failing keeps the voted mean at 0.75: accepted by default...
    outcome = aggregate_votes([ballot("a", creativity=0)] * 3, CONFIG)
    assert outcome.passed
    # ...but not with a threshold of 1, and two optional failures drop the mean to 0.5.
    assert not aggregate_votes([ballot("a", creativity=0)] * 3, Phase1Config(threshold=1)).passed
    assert not aggregate_votes([ballot("a", creativity=0, satisfaction=0)] * 3, CONFIG).passed


def test_abstentions_do_not_count_and_ties_fail() -> None:
    votes = [ballot("a"), Ballot("b", "no JSON object"), ballot("c", correctness=0)]
    outcome = aggregate_votes(votes, CONFIG)
    assert not outcome.passed  # correctness: 1 of 2 readable votes = tie
    assert outcome.votes[1].passed is None
    assert outcome.votes[1].rationale == "unparseable: no JSON object"
    assert "abstained: b" in outcome.reasons[-1]
    majority = aggregate_votes([ballot("a"), Ballot("b", "garbage"), ballot("c")], CONFIG)
    assert majority.passed


def test_all_abstaining_fails_with_a_reason() -> None:
    outcome = aggregate_votes([Ballot("a", "x"), Ballot("b", "y")], CONFIG)
    assert not outcome.passed and outcome.reasons[0] == "every reviewer abstained"


def _blueprint(toy_env: Environment) -> tuple[Blueprint, Any]:
    ctx = sample_context(AttemptSpec(domain="toy", index=2), toy_env, CONFIG)
    bp = Blueprint(
        domain="toy",
        instruction="You want things.",
        actions=(ToolCall(name="find_user", arguments={"email": "user0@example.com"}),),
    )
    return bp, ctx


async def _review(toy_env: Environment, client: FakeClient, config: Phase1Config) -> Any:
    bp, ctx = _blueprint(toy_env)
    tally = UsageTally()
    outcome = await review(
        bp,
        {},
        client=client,
        config=config,
        templates=PromptTemplates(),
        variables=template_variables(ctx),
        context=sim_context(ctx, config, 0, []),
        tally=tally,
        members=client.members("reviewer"),
    )
    return outcome, tally


async def test_unparseable_reviewer_is_retried_then_abstains(toy_env: Environment) -> None:
    def answer(model: str, prompt: str, ctx: Mapping[str, Any]) -> str:
        if ctx["member"] == 1:
            return "Looks good to me!"
        return review_json()

    client = FakeClient(reviewer=answer)
    config = Phase1Config(reviewer_retries=2)
    outcome, tally = await _review(toy_env, client, config)
    assert outcome.passed
    assert outcome.votes[1].passed is None
    assert outcome.votes[1].rationale == "unparseable: no JSON object (after 3 tries)"
    member1 = [c for r, _, c in client.calls if r == "reviewer" and c["member"] == 1]
    assert [c["retry"] for c in member1] == [0, 1, 2]
    assert tally.by_role["reviewer"].calls == 5
    retries = [
        p for p, (_, _, c) in zip(client.prompts, client.calls, strict=True) if c["retry"] > 0
    ]
    assert len(retries) == 2
    assert all("could not be read (no JSON object)" in p for p in retries)


async def test_reviewers_run_concurrently_and_see_the_blueprint(toy_env: Environment) -> None:
    members = ("sim/reviewer", "other/judge", "sim/reviewer", "x/y")
    client = FakeClient(reviewer=lambda m, p, ctx: review_json(), reviewers=members)
    outcome, _ = await _review(toy_env, client, CONFIG)
    assert client.max_in_flight == 4
    assert [v.judge for v in outcome.votes] == [
        "sim/reviewer#1",
        "other/judge",
        "sim/reviewer#2",
        "x/y",
    ]
    assert [m for _, m, _ in client.calls] == list(members)
    assert len({c["episode"] for _, _, c in client.calls}) == 4  # one sim episode per member
    ctx = client.calls[0][2]
    assert ctx["blueprint"].instruction == "You want things."
    assert (
        ctx["criteria"] == list(CONFIG.criteria)
        and ctx["episode"] == "toy/0/2/round0/sim/reviewer#1"
    )


async def test_disagreeing_sim_reviewers_are_outvoted(toy_env: Environment) -> None:
    from apigen.blueprints import run_attempt
    from tests.support.clients import role_client

    noisy = Phase1Config(threshold=1.0, rounds=0)
    client = role_client(reviewer=("sim/reviewer?disagree=0.3",) * 3)
    split = 0
    for index in range(12):
        result = await run_attempt(
            AttemptSpec(domain="toy", index=index), env=toy_env, client=client, config=noisy
        )
        review = next(s for s in result.report.stages if s.stage == "review")
        split += 0 < sum(bool(v.passed) for v in review.votes) < 3
        # The generator is clean, so the verdict is whatever the majority per criterion says.
        majority = all(sum(v.scores[c] >= 0.5 for v in review.votes) >= 2 for c in noisy.criteria)
        assert review.passed == majority
    assert split > 0, "members drew their noise independently"
