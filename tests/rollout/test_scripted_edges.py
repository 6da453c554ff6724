"""Answers no sim model gives (empty agent turns), played with a scripted client."""

from __future__ import annotations

from apigen.env import Environment
from apigen.rollout import RolloutConfig, run_episode
from tests.rollout._scripted import BP, Reply, Scripted, good_script
from tests.rollout._support import CODE_ONLY


async def test_empty_agent_answers_are_errors_and_not_recorded(toy_env: Environment) -> None:
    script = good_script()
    script["agent"][2:2] = [Reply(""), Reply("   ")]
    traj = await run_episode(
        BP,
        0,
        env=toy_env,
        client=Scripted(script),
        config=RolloutConfig(verifiers=CODE_ONLY),
        seed=0,
    )
    assert traj.accepted and traj.usage["agent"].calls == 9
    assert all((m.content or "").strip() or m.tool_calls for m in traj.messages)


async def test_too_many_empty_answers_end_the_episode(toy_env: Environment) -> None:
    script = good_script()
    script["agent"][0:1] = [Reply(None)] * 3
    config = RolloutConfig(max_consecutive_errors=3, verifiers=CODE_ONLY)
    traj = await run_episode(BP, 0, env=toy_env, client=Scripted(script), config=config, seed=0)
    assert traj.ending == "max_errors" and traj.turns == 1
