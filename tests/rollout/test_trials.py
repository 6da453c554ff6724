"""Trials of one blueprint, de-duplication and JSONL files."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.env import Environment
from apigen.errors import UserError
from apigen.rollout import (
    RolloutConfig,
    episode_seed,
    read_trajectories,
    rejection_reason,
    run_trials,
    write_trajectories,
)
from tests.rollout._scripted import BP, Scripted, Step, good_script
from tests.rollout._support import CODE_ONLY


def scripts(n: int) -> dict[str, list[Step]]:
    merged: dict[str, list[Step]] = {"human": [], "agent": []}
    for _ in range(n):
        for role, steps in good_script().items():
            merged[role] += steps
    return merged


async def test_identical_accepted_trials_are_marked_duplicates(toy_env: Environment) -> None:
    result = await run_trials(
        BP,
        env=toy_env,
        client=Scripted(scripts(3)),
        config=RolloutConfig(trials=3, verifiers=CODE_ONLY),
        seed=5,
    )
    assert [t.trial for t in result.trajectories] == [0, 1, 2]
    assert len(result.accepted) == 1 and result.accepted[0].trial == 0
    dup = result.trajectories[1].verdicts[-1]
    assert dup.verifier == "dedup" and not dup.passed
    assert dup.reasons == (f"same as {result.trajectories[0].id}",)
    assert rejection_reason(result.trajectories[2]) == "dedup"
    assert len({t.id for t in result.trajectories}) == 3
    assert result.usage["agent"].calls == 21 and result.total_tokens == 36 * 15


async def test_stop_after_accept(toy_env: Environment) -> None:
    config = RolloutConfig(trials=3, verifiers=CODE_ONLY, stop_after_accept=True)
    result = await run_trials(BP, env=toy_env, client=Scripted(scripts(3)), config=config)
    assert len(result.trajectories) == 1 and result.accepted


async def test_rejected_trials_continue_until_an_acceptance(toy_env: Environment) -> None:
    script = good_script(confirm="no")
    for role, steps in good_script().items():
        script[role] += steps
    config = RolloutConfig(
        trials=3,
        verifiers=CODE_ONLY,
        stop_after_accept=True,
        early_rejection=False,
    )
    result = await run_trials(BP, env=toy_env, client=Scripted(script), config=config)
    assert [t.accepted for t in result.trajectories] == [False, True]
    assert rejection_reason(result.trajectories[0]) == "policy"


def test_episode_seeds_differ_by_trial_and_blueprint() -> None:
    other = BP.model_copy(update={"id": "other"})
    seeds = {
        episode_seed(0, BP, 0),
        episode_seed(0, BP, 1),
        episode_seed(0, other, 0),
        episode_seed(1, BP, 0),
    }
    assert len(seeds) == 4 and episode_seed(0, BP, 1) == episode_seed(0, BP, 1)


async def test_trajectories_round_trip_jsonl(toy_env: Environment, tmp_path: Path) -> None:
    config = RolloutConfig(trials=1, verifiers=CODE_ONLY)
    result = await run_trials(BP, env=toy_env, client=Scripted(scripts(1)), config=config)
    out = tmp_path / "t.jsonl"
    assert write_trajectories(out, result.trajectories) == 1
    assert list(read_trajectories(out)) == list(result.trajectories)


def test_read_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('\n{"blueprint_id": "x"}\n')
    with pytest.raises(UserError, match=r"bad.jsonl:2: not a trajectory"):
        list(read_trajectories(path))
    with pytest.raises(UserError, match="cannot read"):
        list(read_trajectories(tmp_path / "missing.jsonl"))
