"""One attempt end to end with the sim models: clean generations pass, each fault is
caught at its stage and repaired by the feedback loop, same seed gives the same result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from apigen.blueprints import (
    DEFAULT_CRITERIA,
    DEFAULT_STAGES,
    AttemptSpec,
    Phase1Config,
    failure_lines,
    run_attempt,
)
from apigen.env import Environment
from apigen.llm import LLMClient
from tests.blueprints.fakes import FakeClient, review_json
from tests.support.clients import role_client

STAGES = list(DEFAULT_STAGES)


async def test_clean_generation_passes_every_stage(toy_env: Environment, client: LLMClient) -> None:
    for index in range(5):
        result = await run_attempt(
            AttemptSpec(domain="toy", seed=1, index=index), env=toy_env, client=client
        )
        assert result.accepted and result.failed_stage is None, result.report
        assert [s.stage for s in result.report.stages] == STAGES
        assert result.report.round == 0 and len(result.rounds) == 1
        bp = result.blueprint
        assert bp is not None and bp.report == result.report
        assert bp.context["user"] and bp.context["task"]["user"] == bp.context["user"]
        assert bp.generator == "sim/generator"
        review = next(s for s in result.report.stages if s.stage == "review")
        assert [v.passed for v in review.votes] == [True, True, True]
        assert result.usage["generator"].calls == 1 and result.usage["reviewer"].calls == 3
        assert result.usage["generator"].prompt_tokens > 0


@pytest.mark.parametrize(
    ("fault", "stage", "fragment"),
    [
        ("unknown_tool", "format", "unknown tool"),
        ("bad_argument", "format", "argument"),
        ("policy_breach", "policy", "auth_first"),
        ("missing_fact", "grounding", "is neither stated in the instruction"),
        ("malformed", "format", "actions"),
    ],
)
async def test_each_fault_is_caught_at_its_stage_and_repaired(
    toy_env: Environment, client: LLMClient, fault: str, stage: str, fragment: str
) -> None:
    client = role_client(generator=f"sim/generator?{fault}=1")
    for index in range(3):
        result = await run_attempt(
            AttemptSpec(domain="toy", index=index), env=toy_env, client=client
        )
        first, second = result.rounds
        failed = first.report.failed_stage
        assert failed is not None and failed.stage == stage, first.report
        assert any(fragment in r for r in failed.reasons), failed.reasons
        assert (first.blueprint is None) == (fault == "malformed")  # nothing to build
        # The feedback role (sim: each failure once) condensed the failures; a failed
        # review adds where the members agreed and split.
        assert second.feedback == tuple(failure_lines(first.report, DEFAULT_CRITERIA))
        heads = {line.split(": ", 1)[0] for line in second.feedback}
        assert heads == ({stage, "review agreement"} if stage == "review" else {stage})
        assert result.usage["feedback"].calls == 1
        assert result.accepted and result.report.round == 1
        assert result.usage["generator"].calls == 2


async def test_without_feedback_or_repair_faults_stay_rejected(
    toy_env: Environment, client: LLMClient
) -> None:
    no_loop = Phase1Config(rounds=0)
    client = role_client(generator="sim/generator?policy_breach=1")
    result = await run_attempt(
        AttemptSpec(domain="toy"), env=toy_env, client=client, config=no_loop
    )
    assert not result.accepted and result.failed_stage == "policy" and len(result.rounds) == 1
    stubborn = Phase1Config(rounds=2)
    client = role_client(generator="sim/generator?missing_fact=1&repair=0")
    result = await run_attempt(
        AttemptSpec(domain="toy"), env=toy_env, client=client, config=stubborn
    )
    assert not result.accepted and result.failed_stage == "grounding"
    assert [r.round for r in result.rounds] == [0, 1, 2] and result.report.round == 2
    assert result.blueprint is not None and result.blueprint.report == result.report


async def test_known_fingerprint_fails_dedup_without_regenerating(
    toy_env: Environment, client: LLMClient
) -> None:
    spec = AttemptSpec(domain="toy", index=2)
    first = await run_attempt(spec, env=toy_env, client=client)
    assert first.blueprint is not None
    known = {first.blueprint.fingerprint()}
    again = await run_attempt(spec, env=toy_env, client=client, known_fingerprints=known)
    assert not again.accepted and again.failed_stage == "dedup" and len(again.rounds) == 1
    assert "duplicate of a known blueprint" in again.report.stages[-1].reasons[0]


async def test_same_spec_same_result(toy_env: Environment) -> None:
    model = "sim/generator?missing_fact=0.5&malformed=0.4"
    spec = AttemptSpec(domain="toy", seed=9, index=3)
    a = await run_attempt(spec, env=toy_env, client=role_client(generator=model))
    b = await run_attempt(spec, env=toy_env, client=role_client(generator=model))
    assert a.rounds == b.rounds and a.blueprint == b.blueprint
    other = await run_attempt(
        AttemptSpec(domain="toy", seed=10, index=3),
        env=toy_env,
        client=role_client(generator=model),
    )
    assert other.rounds[0].raw != a.rounds[0].raw


# Prompt contents are checked with a scripted client that records every prompt.


@pytest.mark.parametrize("fault", ["malformed", "policy_breach", "missing_fact"])
async def test_failures_and_previous_answer_go_into_the_next_prompt(
    toy_env: Environment, fault: str
) -> None:
    client = FakeClient(faults={0: fault})
    result = await run_attempt(AttemptSpec(domain="toy", index=5), env=toy_env, client=client)
    first = result.rounds[0]
    gen = [(c, p) for (r, _, c), p in zip(client.calls, client.prompts, strict=True)
           if r == "generator"]  # fmt: skip
    assert gen[1][0]["feedback"] == list(result.rounds[1].feedback)
    assert gen[1][0]["task"] == gen[0][0]["task"]  # the same context
    assert all(line in gen[1][1] for line in result.rounds[1].feedback)
    assert first.raw is not None and first.raw in gen[1][1]
    assert "Your previous attempt was rejected" not in gen[0][1]
    assert result.accepted and result.report.round == 1


async def test_feedback_role_condenses_failures(toy_env: Environment) -> None:
    client = FakeClient(
        faults={0: "policy_breach"},
        feedback=lambda m, p, c: "Sure.\n- authenticate with find_user first\n",
    )
    config = Phase1Config(condense_feedback=True)
    result = await run_attempt(
        AttemptSpec(domain="toy", index=5), env=toy_env, client=client, config=config
    )
    assert result.rounds[1].feedback == ("authenticate with find_user first",)
    assert result.usage["feedback"].calls == 1
    calls = zip(client.calls, client.prompts, strict=True)
    fb_model, fb_prompt = next((m, p) for (r, m, _), p in calls if r == "feedback")
    assert fb_model == ""  # the feedback role's own model: phases name roles, not models
    assert "policy: actions[0] auth_first" in fb_prompt


async def test_wrong_environment_is_refused(toy_env: Environment, client: LLMClient) -> None:
    with pytest.raises(ValueError, match="attempt is for 'retail'"):
        await run_attempt(AttemptSpec(domain="retail"), env=toy_env, client=client)


async def test_feedback_prompt_shows_where_reviewers_agreed_and_split(
    toy_env: Environment,
) -> None:
    def split(model: str, prompt: str, ctx: Mapping[str, Any]) -> str:
        if ctx["round"] > 0:
            return review_json()
        return review_json(completeness=0, creativity=ctx["member"] % 2)

    client = FakeClient(reviewer=split, feedback=lambda m, p, c: "- name the account\n")
    result = await run_attempt(AttemptSpec(domain="toy", index=5), env=toy_env, client=client)
    prompt = next(
        p for (r, _, _), p in zip(client.calls, client.prompts, strict=True) if r == "feedback"
    )
    assert "completeness: all 3 fail" in prompt
    assert "creativity: split, 1 pass" in prompt
    assert result.rounds[1].feedback == ("name the account",)


async def test_rounds_are_configurable_per_domain(toy_env: Environment) -> None:
    client = role_client(generator="sim/generator?malformed=1&repair=0")
    config = Phase1Config(rounds=3, domain_rounds={"toy": 1})
    result = await run_attempt(AttemptSpec(domain="toy"), env=toy_env, client=client, config=config)
    assert len(result.rounds) == 2 and not result.accepted
    assert config.rounds_for("retail") == 3
