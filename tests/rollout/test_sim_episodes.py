"""Whole episodes with the sim models: acceptance, record shape, determinism, limits, faults."""

from __future__ import annotations

import pytest

from apigen.env import Environment
from apigen.llm import LLMClient
from apigen.rollout import RolloutConfig, run_episode, run_trials
from apigen.types import Blueprint
from tests.rollout._support import (
    CODE_ONLY,
    TOY_BLUEPRINTS,
    Spy,
    assert_valid_shape,
    failed,
    sim_client,
    verdict,
)

COMMITTEE = ("sim/judge", "sim/judge#2", "sim/judge#3")


@pytest.fixture(scope="module")
def client() -> LLMClient:
    return sim_client()


@pytest.mark.parametrize("bp", TOY_BLUEPRINTS, ids=lambda b: b.id)
async def test_well_playing_agent_is_accepted(
    toy_env: Environment, client: LLMClient, bp: Blueprint
) -> None:
    config = RolloutConfig(trials=2)
    judged = sim_client(judge=COMMITTEE)
    result = await run_trials(bp, env=toy_env, client=judged, config=config, seed=11)
    for traj in result.trajectories:
        assert traj.accepted, [(v.verifier, v.reasons) for v in traj.verdicts if not v.passed]
        assert traj.ending == "stop"
        committee = traj.verdicts[-1]
        assert committee.verifier == "committee" and len(committee.votes) == 3
        assert all(v.passed for v in committee.votes)
        assert_valid_shape(traj)
    assert len(result.accepted) == 2  # the two trials differ (seeded templates)
    assert set(result.usage) == {"agent", "human", "judge"}
    assert result.usage["judge"].calls == 6


async def test_record_holds_the_whole_conversation(toy_env: Environment, client: LLMClient) -> None:
    bp = TOY_BLUEPRINTS[0]
    traj = await run_episode(bp, 0, env=toy_env, client=client, config=RolloutConfig(), seed=3)
    roles = [m.role for m in traj.messages]
    assert roles[0] == "system" and roles[1] == "user" and roles[-1] == "user"
    assert traj.messages[0].content == toy_env.domain.policy
    assert "###STOP###" in (traj.messages[-1].content or "")
    calls = [c.name for m in traj.messages for c in m.tool_calls]
    assert calls == [a.name for a in bp.actions] and traj.tool_calls == 3
    assert traj.turns == roles.count("user")
    assert any(m.reasoning for m in traj.messages if m.role == "assistant")
    assert traj.final_diff["accounts"]["a0_0"]["after"]["balance"] == 876
    usage = traj.usage
    assert usage["agent"].prompt_tokens > 0 and usage["human"].completion_tokens > 0
    assert traj.blueprint_id == "toy-deposit" and traj.domain == "toy" and traj.id
    assert traj.duration_s > 0


async def test_what_each_model_receives(toy_env: Environment, client: LLMClient) -> None:
    spy = Spy(client)
    bp = TOY_BLUEPRINTS[0]
    traj = await run_episode(bp, 0, env=toy_env, client=spy, config=RolloutConfig(), seed=3)
    humans = [r for r in spy.requests if r["role"] == "human"]
    agents = [r for r in spy.requests if r["role"] == "agent"]
    # The human: its prompt (instruction, persona, rules), the greeting, roles flipped,
    # never a tool, a tool call or a tool result.
    first = humans[0]["messages"]
    assert first[0].role == "system" and bp.instruction in (first[0].content or "")
    assert "night-shift nurse" in (first[0].content or "")
    assert [(m.role, m.content) for m in first[1:]] == [("user", RolloutConfig().greeting)]
    last = humans[-1]["messages"]
    said = [m.content for m in traj.messages if m.role == "user"][:-1]
    assert [m.content for m in last if m.role == "assistant"] == said
    assert all(m.role in ("system", "user", "assistant") and not m.tool_calls for m in last)
    assert all(r["tools"] is None for r in humans)
    # The agent: the policy, the real conversation so far, the domain's tools.
    assert agents[-1]["messages"] == list(traj.messages[:-2])  # before its reply, the STOP
    assert agents[0]["messages"][0].content == toy_env.domain.policy
    names = {t["function"]["name"] for t in agents[0]["tools"]}
    assert names == {t.name for t in toy_env.domain.tools}
    ctx = agents[0]["context"]
    assert ctx["episode"] == "toy-deposit:0" and ctx["seed"] == 3 and ctx["blueprint"] is bp
    assert ctx["env"] is toy_env and ctx["sandbox"] is not None


async def test_transfer_ends_the_episode(client: LLMClient) -> None:
    from apigen.blueprints import curated_dir, load_blueprint
    from apigen.env import load_environment

    bp = load_blueprint(curated_dir() / "retail" / "transfer_email_change.yaml")
    env = load_environment("retail", seed=0)
    traj = await run_episode(bp, 0, env=env, client=client, config=RolloutConfig(), seed=0)
    assert traj.ending == "transfer" and verdict(traj, "ending") is True
    assert "###TRANSFER###" in (traj.messages[-1].content or "")


async def test_same_seed_same_trajectories(toy_env: Environment, client: LLMClient) -> None:
    config = RolloutConfig(trials=3)
    client = sim_client(judge="sim/judge", agent="sim/agent?error_rate=0.5")
    bp = TOY_BLUEPRINTS[2]

    async def shape(seed: int) -> list[tuple[object, ...]]:
        result = await run_trials(bp, env=toy_env, client=client, config=config, seed=seed)
        return [(t.id, t.messages, t.verdicts, t.ending, t.final_diff) for t in result.trajectories]

    first = await shape(4)
    assert first == await shape(4)
    assert first != await shape(5)
    assert len({t[0] for t in first}) == 3


async def test_best_of_n_human_turns(toy_env: Environment, client: LLMClient) -> None:
    config = RolloutConfig(human_candidates=3, verifiers=CODE_ONLY)
    bp = TOY_BLUEPRINTS[2]
    traj = await run_episode(bp, 0, env=toy_env, client=client, config=config, seed=2)
    assert traj.accepted, failed(traj)
    assert traj.usage["human"].calls == 3 * traj.turns
    assert traj.usage["judge"].calls == traj.turns


@pytest.mark.parametrize(
    ("config", "agent", "ending"),
    [
        # (early rejection off: it would stop both first, as early_reject:budget)
        (RolloutConfig(max_turns=2, early_rejection=False), "sim/agent", "max_turns"),
        (RolloutConfig(max_tool_calls=2, early_rejection=False), "sim/agent", "max_tool_calls"),
        (RolloutConfig(max_episode_s=0.3), "sim/agent?latency=0.2", "max_duration"),
        (RolloutConfig(), "sim/agent?malformed_tool_json=1", "max_errors"),
    ],
    ids=lambda x: x if isinstance(x, str) and not x.startswith("sim/") else "",
)
async def test_limits_end_episodes_with_their_reason(
    toy_env: Environment, config: RolloutConfig, agent: str, ending: str
) -> None:
    bp = TOY_BLUEPRINTS[2]
    client = sim_client(agent=agent)
    traj = await run_episode(bp, 0, env=toy_env, client=client, config=config, seed=1)
    assert traj.ending == ending and not traj.accepted
    assert verdict(traj, "ending") is False
    assert_valid_shape(traj)


async def test_malformed_tool_calls_are_answered_and_counted(toy_env: Environment) -> None:
    config = RolloutConfig(max_consecutive_errors=50, trials=3)
    client = sim_client(agent="sim/agent?malformed_tool_json=0.5&unknown_tool=0.3")
    kinds = set()
    for bp in TOY_BLUEPRINTS:
        result = await run_trials(bp, env=toy_env, client=client, config=config, seed=9)
        for traj in result.trajectories:
            assert_valid_shape(traj)
            calls = {c.id: c for m in traj.messages for c in m.tool_calls}
            for m in traj.messages:
                text = m.content or ""
                if m.role != "tool" or not text.startswith("Error: "):
                    continue
                if text.startswith("Error: arguments of"):  # kept with {} arguments
                    kinds.add("invalid_json")
                    assert calls[m.tool_call_id].arguments == {}
                elif text.startswith("Error: unknown tool"):
                    kinds.add("unknown_tool")
                    assert calls[m.tool_call_id].name == m.name
            assert traj.tool_calls == len(calls)
    assert kinds == {"invalid_json", "unknown_tool"}


async def test_transport_faults_on_30_percent_of_calls_end_episodes_cleanly(
    toy_env: Environment,
) -> None:
    faults = "rate_limit=0.1&server_error=0.1&timeout=0.1"
    config = RolloutConfig(trials=3)
    # no retries: every fault reaches the episode
    client = sim_client(attempts=1, agent=f"sim/agent?{faults}", human=f"sim/human?{faults}")
    endings: list[str] = []
    for bp in TOY_BLUEPRINTS:
        result = await run_trials(bp, env=toy_env, client=client, config=config, seed=0)
        for traj in result.trajectories:
            assert_valid_shape(traj)
            endings.append(traj.ending)
            if traj.ending.startswith("provider_error:"):
                assert not traj.accepted and verdict(traj, "ending") is False
                assert sum(u.errors for u in traj.usage.values()) == 1
    kinds = {e.split(":", 1)[1] for e in endings if e.startswith("provider_error:")}
    assert kinds == {"rate_limit", "server", "timeout"}
    assert set(endings) <= {"stop", *(f"provider_error:{k}" for k in kinds)}


async def test_retries_absorb_transport_faults(toy_env: Environment) -> None:
    faults = "rate_limit=0.1&server_error=0.1&timeout=0.1&retry_after=0"
    config = RolloutConfig(trials=2)
    retries = 0
    # 8 attempts: with a 0.3 failure rate per try, 4 attempts lose ~0.8% of ~60 calls, so
    # whether every episode survives was a coin toss on the conversation's exact text.
    client = sim_client(attempts=8, agent=f"sim/agent?{faults}")
    for bp in TOY_BLUEPRINTS:
        result = await run_trials(bp, env=toy_env, client=client, config=config, seed=0)
        assert all(t.accepted for t in result.trajectories)
        retries += result.usage["agent"].retries
    assert retries > 0
