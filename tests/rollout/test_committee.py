"""Committee votes and best-of-N human turns (sim judges; scripted ones for bad answers)."""

from __future__ import annotations

import json

import pytest

from apigen.env import Environment
from apigen.errors import ProviderError
from apigen.rollout import RolloutConfig, run_episode
from apigen.types import Trajectory
from tests.rollout._scripted import BP, Reply, Scripted, good_script
from tests.rollout._support import CODE_ONLY, TOY_BLUEPRINTS, Spy, sim_client

CRITERIA = ("policy_adherence", "faithfulness", "human_realism")


def answer(*scores: float, fence: bool = False) -> Reply:
    body = json.dumps(
        {
            "criteria": {
                c: {"score": s, "reason": f"{c} reason"}
                for c, s in zip(CRITERIA, scores, strict=True)
            },
            "rationale": "overall",
        }
    )
    return Reply(f"```json\n{body}\n```" if fence else f"Here you go: {body}")


async def judged(
    toy_env: Environment, judges: list[object], n: int = 3
) -> tuple[Trajectory, Scripted]:
    script = good_script()
    script["judge"] = judges  # type: ignore[assignment]
    config = RolloutConfig(judge_attempts=2)
    client = Scripted(script, roles={"judge": tuple(f"sim/judge#{i}" for i in range(n))})
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    return traj, client


@pytest.mark.parametrize(
    ("judges", "passed", "tally"),
    [
        (("sim/judge", "sim/judge?disagree=1", "sim/judge"), True, "2 pass, 1 fail, 0 abstain"),
        (
            ("sim/judge?disagree=1", "sim/judge?disagree=1", "sim/judge"),
            False,
            "1 pass, 2 fail, 0 abstain",
        ),
    ],
)
async def test_majority_of_cast_votes_decides(
    toy_env: Environment, judges: tuple[str, ...], passed: bool, tally: str
) -> None:
    config = RolloutConfig()
    bp = TOY_BLUEPRINTS[0]
    client = sim_client(judge=judges)
    traj = await run_episode(bp, 0, env=toy_env, client=client, config=config, seed=1)
    committee = next(v for v in traj.verdicts if v.verifier == "committee")
    assert committee.passed is passed and traj.accepted is passed
    assert [v.passed for v in committee.votes] == ["disagree" not in j for j in judges]
    assert committee.reasons[0] == tally
    assert all(set(v.scores) == set(CRITERIA) for v in committee.votes)
    assert traj.usage["judge"].calls == 3


async def test_unparseable_answers_abstain_after_retries(toy_env: Environment) -> None:
    judges = [
        Reply("no idea"),
        Reply("still no idea"),
        answer(0, 0, 1),
        ProviderError("down", kind="server_error", retryable=True),
    ]
    traj, client = await judged(toy_env, judges)
    committee = next(v for v in traj.verdicts if v.verifier == "committee")
    votes = {v.judge: v for v in committee.votes}
    assert votes["sim/judge#0"].passed is None and "no_json" in votes["sim/judge#0"].rationale
    assert votes["sim/judge#1"].passed is False
    assert votes["sim/judge#2"].passed is None and "server_error" in votes["sim/judge#2"].rationale
    assert not committee.passed and not traj.accepted
    assert committee.reasons[0] == "0 pass, 1 fail, 2 abstain"
    asked = [r["messages"] for r in client.requests if r["role"] == "judge"]
    reasked = [m for m in asked if len(m) == 3]
    assert len(asked) == 4 and len(reasked) == 1  # one unreadable answer was asked again
    assert reasked[0][-1].content == (
        "Your previous answer could not be read (no_json: no {...} object in the answer). "
        "Answer with the JSON object only."
    )


async def test_committee_skipped_when_code_verdicts_fail(toy_env: Environment) -> None:
    script = good_script(final="Done.")
    config = RolloutConfig()
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    assert "committee" not in [v.verifier for v in traj.verdicts]
    assert all(r["role"] != "judge" for r in client.requests)


async def test_best_of_n_samples_candidates_and_keeps_the_choice(toy_env: Environment) -> None:
    spy = Spy(sim_client())
    config = RolloutConfig(human_candidates=3, human_temperature=0.7, verifiers=CODE_ONLY)
    bp = TOY_BLUEPRINTS[2]
    traj = await run_episode(bp, 0, env=toy_env, client=spy, config=config, seed=1)
    assert traj.accepted, traj.verdicts
    humans = [r for r in spy.requests if r["role"] == "human"]
    choosers = [r for r in spy.requests if r["role"] == "judge"]
    assert len(humans) == 3 * traj.turns and len(choosers) == traj.turns
    assert all(r["params"]["temperature"] == 0.7 for r in humans)
    for turn, chooser in enumerate(choosers):
        batch = humans[3 * turn : 3 * turn + 3]
        seeds = [r["params"]["seed"] for r in batch]
        assert len(set(seeds)) == 3 and [r["context"]["seed"] for r in batch] == seeds
        candidates = chooser["context"]["candidates"]
        assert len(candidates) == 3
        said = [m.content for m in traj.messages if m.role == "user"][turn]
        assert said in candidates


async def test_best_of_n_falls_back_to_first_on_an_unreadable_score(toy_env: Environment) -> None:
    script = good_script()
    humans = script["human"]
    script["human"] = [x for h in humans for x in (h, Reply("noise"))]
    out_of_range = '{"scores": {"0": 3, "1": 14}, "critique": ""}'
    tie = '{"scores": {"0": 7, "1": 7}, "critique": ""}'  # a tie: the first
    script["judge"] = [Reply(out_of_range), Reply("what?"), *[Reply(tie)] * 3]
    config = RolloutConfig(human_candidates=2, verifiers=CODE_ONLY)
    traj = await run_episode(BP, 0, env=toy_env, client=Scripted(script), config=config, seed=1)
    assert traj.accepted


def _scores(*scores: float, critique: str = "") -> Reply:
    table = {str(i): {"score": s, "reason": "r"} for i, s in enumerate(scores)}
    return Reply(
        "<think>candidate 1 looks better</think>"
        + json.dumps({"scores": table, "critique": critique})
    )


async def test_best_of_n_keeps_the_highest_0_to_10_score(toy_env: Environment) -> None:
    """The second candidate (the scripted human's) scores higher on 0-10 and is kept."""
    script = good_script()
    script["human"] = [x for h in script["human"] for x in (Reply("noise"), h)]
    script["judge"] = [_scores(2, 8)] * 10
    config = RolloutConfig(human_candidates=2, verifiers=CODE_ONLY)
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    assert traj.accepted, traj.verdicts
    assert "noise" not in [m.content for m in traj.messages if m.role == "user"]
    assert sum(r["role"] == "human" for r in client.requests) == 2 * traj.turns


async def test_self_critique_rewrites_a_low_scored_winner(toy_env: Environment) -> None:
    """Below ``human_min_score`` the human rewrites its best draft given the critique."""
    script = good_script()
    first, *rest = script["human"]
    script["human"] = [Reply("umm"), Reply("err"), first, *[x for h in rest for x in (h, h)]]
    script["judge"] = [_scores(3, 1, critique="Say what you want."), *[_scores(9, 9)] * 10]
    config = RolloutConfig(human_candidates=2, verifiers=CODE_ONLY)
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    said = [m.content for m in traj.messages if m.role == "user"]
    assert isinstance(first, Reply) and said[0] == first.text
    revision = [r for r in client.requests if r["role"] == "human"][2]
    assert "Say what you want." in (revision["messages"][-1].content or "")
    assert "umm" in (revision["messages"][-1].content or "")
    assert traj.accepted, traj.verdicts


async def test_self_critique_is_off_at_zero(toy_env: Environment) -> None:
    script = good_script()
    script["human"] = [x for h in script["human"] for x in (h, Reply("noise"))]
    script["judge"] = [_scores(3, 1, critique="Say more.")] * 10
    config = RolloutConfig(human_candidates=2, human_min_score=0, verifiers=CODE_ONLY)
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    assert traj.accepted and sum(r["role"] == "human" for r in client.requests) == 2 * traj.turns


async def test_a_judge_scoring_0_to_10_with_2_everywhere_does_not_pass(
    toy_env: Environment,
) -> None:
    """Issue 12: 2 on every criterion of a 0-1 question is out of range: re-asked with
    the reason, then the judge abstains; no cast vote, no pass."""
    traj, client = await judged(toy_env, [answer(2, 2, 2)] * 6)
    committee = next(v for v in traj.verdicts if v.verifier == "committee")
    assert not committee.passed and not traj.accepted
    assert all(v.passed is None and "out_of_range" in v.rationale for v in committee.votes)
    blame = next(v for v in traj.verdicts if v.verifier == "failed_by")
    assert blame.reasons == ("verifier", "committee: no readable vote")
    asked = [r["messages"][-1].content or "" for r in client.requests if r["role"] == "judge"]
    assert len(asked) == 6 and sum("outside the declared 0-1 scale" in a for a in asked) == 3
