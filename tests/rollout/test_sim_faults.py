"""Injected agent and human faults are rejected for the right reason; early rejection is sound."""

from __future__ import annotations

import pytest

from apigen.env import Environment
from apigen.llm import LLMClient
from apigen.rollout import RolloutConfig, run_trials
from apigen.types import Trajectory
from tests.rollout._support import TOY_BLUEPRINTS, assert_valid_shape, failed, sim_client

BY_ID = {bp.id: bp for bp in TOY_BLUEPRINTS}


@pytest.fixture(scope="module")
def client() -> LLMClient:
    return sim_client()


@pytest.mark.parametrize(
    ("fault", "verdict", "blueprint"),
    [
        ("wrong_argument", "state", "toy-deposit-then-close"),
        ("skipped_step", "state", "toy-deposit-then-close"),
        ("extra_write", "state", "toy-deposit-then-close"),
        # The toy's confirmation check accepts any "yes" in the last human message, and
        # the sim human opens a second request with "Yes, one more thing": one step only.
        ("missing_confirmation", "policy", "toy-deposit"),
        ("invented_output", "outputs", "toy-two-deposits"),
    ],
)
async def test_agent_fault_fails_its_verdict(
    toy_env: Environment, client: LLMClient, fault: str, verdict: str, blueprint: str
) -> None:
    config = RolloutConfig(trials=3, early_rejection=False)
    client = sim_client(agent=f"sim/agent?{fault}=1")
    bp = BY_ID[blueprint]
    result = await run_trials(bp, env=toy_env, client=client, config=config, seed=1)
    for traj in result.trajectories:
        assert traj.ending == "stop" and not traj.accepted
        assert verdict in failed(traj), (fault, [(v.verifier, v.reasons) for v in traj.verdicts])
        assert_valid_shape(traj)


async def test_missing_confirmation_is_stopped_early(
    toy_env: Environment, client: LLMClient
) -> None:
    config = RolloutConfig(trials=2)
    client = sim_client(agent="sim/agent?missing_confirmation=1")
    result = await run_trials(BY_ID["toy-deposit"], env=toy_env, client=client, config=config)
    for traj in result.trajectories:
        assert traj.ending == "early_reject:policy"
        reasons = next(v.reasons for v in traj.verdicts if v.verifier == "early_reject")
        assert "confirm_before_write" in reasons[0]
        assert_valid_shape(traj)


async def test_closing_the_wrong_account_is_stopped_early(
    toy_env: Environment, client: LLMClient
) -> None:
    config = RolloutConfig(trials=2)
    client = sim_client(agent="sim/agent?wrong_argument=1")
    result = await run_trials(BY_ID["toy-close"], env=toy_env, client=client, config=config)
    for traj in result.trajectories:
        assert traj.ending == "early_reject:irreversible", traj.ending
        reasons = next(v.reasons for v in traj.verdicts if v.verifier == "early_reject")
        assert reasons[0].startswith("close_account: accounts/")
        assert "state" in failed(traj)


async def test_human_stopping_early_is_a_rejection(toy_env: Environment, client: LLMClient) -> None:
    config = RolloutConfig(trials=2)
    client = sim_client(human="sim/human?stop_early=1")
    for bp in TOY_BLUEPRINTS:
        result = await run_trials(bp, env=toy_env, client=client, config=config, seed=2)
        for traj in result.trajectories:
            assert traj.ending == "stop" and not traj.accepted
            assert "state" in failed(traj)


async def _paired(
    client: LLMClient, toy_env: Environment, agent: str
) -> list[tuple[Trajectory, Trajectory]]:
    pairs = []
    for bp in TOY_BLUEPRINTS:
        runs = []
        for early in (True, False):
            config = RolloutConfig(trials=6, early_rejection=early)
            played = sim_client(agent=agent)
            result = await run_trials(bp, env=toy_env, client=played, config=config, seed=3)
            runs.append(result.trajectories)
        pairs += list(zip(runs[0], runs[1], strict=True))
    return pairs


async def test_early_rejection_stops_only_doomed_episodes(
    toy_env: Environment, client: LLMClient
) -> None:
    pairs = await _paired(client, toy_env, "sim/agent?error_rate=0.5&wrong_argument=0.3")
    stopped = 0
    kinds = set()
    for on, off in pairs:
        assert off.ending in ("stop", "transfer")
        if on.ending.startswith("early_reject:"):
            stopped += 1
            kinds.add(on.ending)
            assert not off.accepted, "early rejection stopped an acceptable episode"
            # The same episode up to the doomed call: then played out without the stop.
            cut = next(
                (i for i, m in enumerate(on.messages) if "not executed" in (m.content or "")),
                len(on.messages),
            )
            assert on.messages[:cut] == off.messages[:cut]
            assert on.usage["agent"].total_tokens < off.usage["agent"].total_tokens
        else:
            assert (on.ending, on.messages, on.accepted) == (off.ending, off.messages, off.accepted)
    assert kinds == {"early_reject:policy", "early_reject:irreversible"}
    assert stopped >= 3
    assert any(on.accepted for on, _ in pairs)
