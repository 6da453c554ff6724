"""Committee votes and best-of-N human turns (sim judges; scripted ones for bad answers)."""

from __future__ import annotations

import json

import pytest

from apigen.env import Environment
from apigen.errors import ProviderError
from apigen.rollout import RolloutConfig, run_episode
from apigen.types import Trajectory
from tests.rollout._scripted import BP, Reply, Scripted, good_script
from tests.rollout._support import TOY_BLUEPRINTS, Spy, sim_client

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
    config = RolloutConfig(judges=tuple(f"sim/judge#{i}" for i in range(n)), judge_attempts=2)
    client = Scripted(script)
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
    config = RolloutConfig(judges=judges)
    bp = TOY_BLUEPRINTS[0]
    traj = await run_episode(bp, 0, env=toy_env, client=sim_client(), config=config, seed=1)
    committee = traj.verdicts[-1]
    assert committee.verifier == "committee"
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
    committee = traj.verdicts[-1]
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
    config = RolloutConfig(judges=("sim/judge",))
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=1)
    assert "committee" not in [v.verifier for v in traj.verdicts]
    assert all(r["role"] != "judge" for r in client.requests)


async def test_best_of_n_samples_candidates_and_keeps_the_choice(toy_env: Environment) -> None:
    spy = Spy(sim_client())
    config = RolloutConfig(human_candidates=3, human_temperature=0.7)
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


async def test_best_of_n_falls_back_to_first_on_a_bad_choice(toy_env: Environment) -> None:
    script = good_script()
    humans = script["human"]
    script["human"] = [x for h in humans for x in (h, Reply("noise"))]
    script["judge"] = [Reply('{"choice": 7}'), Reply("what?"), *[Reply('{"choice": "0"}')] * 3]
    config = RolloutConfig(human_candidates=2)
    traj = await run_episode(BP, 0, env=toy_env, client=Scripted(script), config=config, seed=1)
    assert traj.accepted
