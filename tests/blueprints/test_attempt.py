"""One attempt end to end: clean generations pass, each fault is caught and repaired."""

from __future__ import annotations

import pytest

from apigen.blueprints import AttemptSpec, Phase1Config, failure_lines, run_attempt
from apigen.env import Environment
from tests.blueprints.fakes import FakeClient

STAGES = ["format", "execution", "policy", "review", "dedup"]


async def test_clean_generation_passes_every_stage(toy_env: Environment) -> None:
    for index in range(6):
        result = await run_attempt(
            AttemptSpec(domain="toy", seed=1, index=index), env=toy_env, client=FakeClient()
        )
        assert result.accepted and result.failed_stage is None
        assert [s.stage for s in result.report.stages] == STAGES
        assert result.report.round == 0 and len(result.rounds) == 1
        bp = result.blueprint
        assert bp is not None and bp.report == result.report
        assert bp.context["user"] and bp.context["task"]["user"] == bp.context["user"]
        assert bp.generator == "sim/generator"
        assert len(result.report.stages[3].votes) == 3
        assert result.usage["generator"].calls == 1 and result.usage["reviewer"].calls == 3


@pytest.mark.parametrize(
    ("fault", "stage", "fragment"),
    [
        ("malformed", "format", "missing <actions> section"),
        ("unknown_tool", "format", "unknown tool 'teleport_money'"),
        ("bad_argument", "format", "Input should be a valid string"),
        ("policy_breach", "policy", "auth_first"),
        ("missing_fact", "review", "completeness: 0/3 reviewers passed"),
    ],
)
async def test_fault_caught_at_its_stage_and_repaired(
    toy_env: Environment, fault: str, stage: str, fragment: str
) -> None:
    client = FakeClient(faults={0: fault})
    result = await run_attempt(AttemptSpec(domain="toy", index=5), env=toy_env, client=client)
    first, second = result.rounds
    assert first.report.failed_stage is not None
    assert first.report.failed_stage.stage == stage
    assert any(fragment in r for r in first.report.failed_stage.reasons)
    assert (first.blueprint is None) == (fault == "malformed")
    # The failures went into the next round's prompt and sim context, for the same context.
    assert second.feedback == tuple(failure_lines(first.report))
    assert all(line.startswith(f"{stage}: ") for line in second.feedback)
    generator_calls = [
        (c, p)
        for (r, _, c), p in zip(client.calls, client.prompts, strict=True)
        if r == "generator"
    ]
    assert generator_calls[1][0]["feedback"] == list(second.feedback)
    assert generator_calls[1][0]["task"] == generator_calls[0][0]["task"]
    assert fragment in generator_calls[1][1] and first.raw in generator_calls[1][1]
    assert result.accepted and result.report.round == 1


async def test_persistent_fault_exhausts_the_rounds(toy_env: Environment) -> None:
    client = FakeClient(faults=dict.fromkeys(range(10), "policy_breach"))
    config = Phase1Config(rounds=2)
    result = await run_attempt(
        AttemptSpec(domain="toy", index=5), env=toy_env, client=client, config=config
    )
    assert not result.accepted and result.failed_stage == "policy"
    assert [r.round for r in result.rounds] == [0, 1, 2]
    assert result.blueprint is not None and result.blueprint.report == result.report
    no_loop = await run_attempt(
        AttemptSpec(domain="toy", index=5),
        env=toy_env,
        client=FakeClient(faults={0: "malformed"}),
        config=Phase1Config(rounds=0),
    )
    assert not no_loop.accepted and len(no_loop.rounds) == 1 and no_loop.blueprint is None


async def test_feedback_model_condenses_failures(toy_env: Environment) -> None:
    client = FakeClient(
        faults={0: "policy_breach"},
        feedback=lambda m, p, c: "ok\n- authenticate with find_user first\n",
    )
    config = Phase1Config(feedback_model="sim/feedback")
    result = await run_attempt(
        AttemptSpec(domain="toy", index=5), env=toy_env, client=client, config=config
    )
    assert result.rounds[1].feedback == ("authenticate with find_user first",)
    assert result.usage["feedback"].calls == 1
    fb_prompt = next(
        p for (r, _, _), p in zip(client.calls, client.prompts, strict=True) if r == "feedback"
    )
    assert "policy: actions[0] auth_first" in fb_prompt


async def test_known_fingerprint_fails_dedup_without_regenerating(toy_env: Environment) -> None:
    spec = AttemptSpec(domain="toy", index=2)
    first = await run_attempt(spec, env=toy_env, client=FakeClient())
    assert first.blueprint is not None
    again = await run_attempt(
        spec, env=toy_env, client=FakeClient(), known_fingerprints={first.blueprint.fingerprint()}
    )
    assert not again.accepted and again.failed_stage == "dedup" and len(again.rounds) == 1
    assert "duplicate of a known blueprint" in again.report.stages[-1].reasons[0]


async def test_same_spec_same_result(toy_env: Environment) -> None:
    spec = AttemptSpec(domain="toy", seed=9, index=3)
    a = await run_attempt(spec, env=toy_env, client=FakeClient(faults={0: "missing_fact"}))
    b = await run_attempt(spec, env=toy_env, client=FakeClient(faults={0: "missing_fact"}))
    assert a == b
    other = await run_attempt(
        AttemptSpec(domain="toy", seed=10, index=3), env=toy_env, client=FakeClient()
    )
    assert other.blueprint != a.blueprint


async def test_wrong_environment_is_refused(toy_env: Environment) -> None:
    with pytest.raises(ValueError, match="attempt is for 'retail'"):
        await run_attempt(AttemptSpec(domain="retail"), env=toy_env, client=FakeClient())
