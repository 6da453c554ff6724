"""The review stage: the committee through phase 1's template, client and sim context.

The rule itself (majority per criterion, threshold, abstentions) is tested in
tests/committee/test_rules.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apigen.blueprints import AttemptSpec, Phase1Config
from apigen.blueprints._client import UsageTally
from apigen.env import Environment
from tests.blueprints.fakes import FakeClient, review_json, review_toy

CONFIG = Phase1Config()


async def _review(toy_env: Environment, client: FakeClient, config: Phase1Config) -> Any:
    tally = UsageTally()
    return await review_toy(toy_env, client, config, tally), tally


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
    assert outcome.votes[1].rationale == (
        "abstained: no_json: no {...} object in the answer (after 3 asks); "
        "last answer 'Looks good to me!'"
    )
    member1 = [c for r, _, c in client.calls if r == "reviewer" and c["member"] == 1]
    assert [c["retry"] for c in member1] == [0, 1, 2]
    assert tally.by_role["reviewer"].calls == 5
    retries = [
        p for p, (_, _, c) in zip(client.prompts, client.calls, strict=True) if c["retry"] > 0
    ]
    assert len(retries) == 2
    assert all("could not be read (no_json: no {...} object" in p for p in retries)


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
    assert ctx["blueprint"].instruction.startswith("You are user0@example.com")
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


async def test_sim_reviewers_answer_in_the_shape_the_committee_parser_reads(
    toy_env: Environment,
) -> None:
    from apigen.blueprints import run_attempt
    from apigen.llm import LLMClient

    for index in range(3):
        result = await run_attempt(
            AttemptSpec(domain="toy", index=index), env=toy_env, client=LLMClient(), config=CONFIG
        )
        for rnd in result.rounds:
            review = next((s for s in rnd.report.stages if s.stage == "review"), None)
            if review is None:
                continue
            assert [v.judge for v in review.votes] == [f"sim/reviewer#{i}" for i in (1, 2, 3)]
            assert all(v.passed is not None for v in review.votes), review.votes
            assert all(set(v.scores) == set(CONFIG.criteria) for v in review.votes)
