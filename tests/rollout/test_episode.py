"""The episode loop with a scripted client: message shapes, limits, faults, early rejection."""

from __future__ import annotations

from typing import Any

import pytest

from apigen.env import Environment
from apigen.errors import ProviderError
from apigen.rollout import RolloutConfig, run_episode
from apigen.types import Blueprint, ToolCall, Trajectory
from tests.rollout._scripted import Bad, Reply, Scripted, Step, call

BP = Blueprint(
    domain="toy",
    id="toy-deposit",
    instruction="You are user0@example.com. Deposit 100 dollars into account a0_0, "
    "then ask for the new balance.",
    actions=(
        ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
        ToolCall(name="get_account", arguments={"account_id": "a0_0"}),
        ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 100}),
    ),
    outputs=("876",),
    persona="A busy nurse.",
)


def good_script(
    deposit: ToolCall | None = None, confirm: str = "yes", final: str = "Your new balance is $876."
) -> dict[str, list[Step]]:
    return {
        "human": [
            Reply("Hi, I'd like to make a deposit."),
            Reply("user0@example.com"),
            Reply("100 dollars into a0_0."),
            Reply(confirm),
            Reply("Thanks! ###STOP###"),
        ],
        "agent": [
            Reply("Sure. What is your email address?"),
            Reply(tool_calls=(call("find_user", "c1", email="user0@example.com"),)),
            Reply("Thanks, you are verified. Which account, and how much?"),
            Reply(tool_calls=(call("get_account", "c2", account_id="a0_0"),)),
            Reply("Deposit 100 dollars into a0_0? Please confirm (yes/no)."),
            Reply(tool_calls=(deposit or call("deposit", "c3", account_id="a0_0", amount=100),)),
            Reply(final, reasoning="The deposit succeeded; report the balance."),
        ],
    }


async def play(
    env: Environment, script: dict[str, list[Step]], **config: Any
) -> tuple[Trajectory, Scripted]:
    client = Scripted(script)
    traj = await run_episode(BP, 0, env=env, client=client, config=RolloutConfig(**config), seed=7)
    return traj, client


def verdict(traj: Trajectory, name: str) -> bool:
    return next(v.passed for v in traj.verdicts if v.verifier == name)


def assert_valid_openai_shape(traj: Trajectory) -> None:
    """Every tool call is answered by exactly one tool message right after its turn."""
    msgs = traj.messages
    assert msgs[0].role == "system"
    for i, m in enumerate(msgs):
        if m.role == "assistant" and m.tool_calls:
            ids = [c.id for c in m.tool_calls]
            following = msgs[i + 1 : i + 1 + len(ids)]
            assert [f.role for f in following] == ["tool"] * len(ids)
            assert [f.tool_call_id for f in following] == ids


async def test_good_episode_is_accepted_with_full_record(toy_env: Environment) -> None:
    traj, client = await play(toy_env, good_script())
    assert traj.accepted, traj.verdicts
    assert traj.ending == "stop"
    assert [v.verifier for v in traj.verdicts] == ["ending", "state", "outputs", "policy"]
    assert traj.turns == 5 and traj.tool_calls == 3
    assert traj.final_diff["accounts"]["a0_0"]["after"]["balance"] == 876
    assert traj.usage["agent"].calls == 7 and traj.usage["human"].calls == 5
    assert traj.usage["agent"].total_tokens == 7 * 15
    assert_valid_openai_shape(traj)
    tool_msgs = [m for m in traj.messages if m.role == "tool"]
    assert tool_msgs[0].content == '"u0"' and tool_msgs[0].name == "find_user"
    assert traj.messages[-1].content == "Thanks! ###STOP###"
    assert traj.messages[-2].reasoning == "The deposit succeeded; report the balance."
    # The agent gets the policy and the domain's tools.
    agent_req = next(r for r in client.requests if r["role"] == "agent")
    assert agent_req["messages"][0].content == toy_env.domain.policy
    assert {t["function"]["name"] for t in agent_req["tools"]} >= {"deposit", "find_user"}
    assert agent_req["context"]["episode"] == "toy-deposit:0"


async def test_human_sees_a_flipped_conversation_without_tools(toy_env: Environment) -> None:
    _, client = await play(toy_env, good_script())
    human_reqs = [r for r in client.requests if r["role"] == "human"]
    first = human_reqs[0]["messages"]
    assert first[0].role == "system" and BP.instruction in (first[0].content or "")
    assert "nurse" in (first[0].content or "")
    assert [m.role for m in first[1:]] == ["user"]  # the greeting only
    last = human_reqs[-1]["messages"]
    assert [m.role for m in last[1:]] == ["user", "assistant"] * 4 + ["user"]
    assert all(not m.tool_calls and m.role != "tool" for m in last)
    assert last[2].content == "Hi, I'd like to make a deposit."
    assert "Sure. What is your email" in (last[3].content or "")
    assert human_reqs[0]["tools"] is None


async def test_wrong_amount_fails_state_naming_the_record(toy_env: Environment) -> None:
    wrong = call("deposit", "c3", account_id="a0_0", amount=10)
    traj, _ = await play(toy_env, good_script(deposit=wrong, final="Your balance is 786."))
    assert not traj.accepted and traj.ending == "stop"
    state = next(v for v in traj.verdicts if v.verifier == "state")
    assert not state.passed
    assert state.reasons == ("accounts/a0_0: balance 786 (expected 876)",)
    assert not verdict(traj, "outputs") and verdict(traj, "policy")


async def test_missing_confirmation_is_rejected_early_by_policy(toy_env: Environment) -> None:
    traj, _ = await play(toy_env, good_script(confirm="hmm, let me think"))
    assert traj.ending == "early_reject:policy"
    early = next(v for v in traj.verdicts if v.verifier == "early_reject")
    assert "confirm_writes" in early.reasons[0]
    assert not verdict(traj, "policy")
    assert_valid_openai_shape(traj)


async def test_without_early_rejection_the_same_fault_plays_out_and_fails_policy(
    toy_env: Environment,
) -> None:
    traj, _ = await play(toy_env, good_script(confirm="hmm"), early_rejection=False)
    assert traj.ending == "stop" and not traj.accepted
    assert [v.verifier for v in traj.verdicts if not v.passed] == ["policy"]


async def test_irreversible_write_stops_the_episode(toy_env: Environment) -> None:
    script = good_script(deposit=call("close_account", "c3", account_id="a0_0"))
    traj, _ = await play(toy_env, script)
    assert traj.ending == "early_reject:irreversible"
    early = next(v for v in traj.verdicts if v.verifier == "early_reject")
    assert early.reasons[0].startswith("close_account: accounts/a0_0:")
    assert not verdict(traj, "state")
    assert len(script["agent"]) == 1  # the agent's last answer was never asked for


async def test_reversible_wrong_write_is_not_stopped(toy_env: Environment) -> None:
    wrong = call("deposit", "c3", account_id="a0_0", amount=10)
    traj, _ = await play(toy_env, good_script(deposit=wrong))
    assert traj.ending == "stop"  # another deposit could still fix it


async def test_malformed_tool_call_gets_an_error_message(toy_env: Environment) -> None:
    script = good_script()
    bad = Bad(
        kind="invalid_json",
        message="arguments are not JSON",
        call_id="x1",
        tool="get_account",
        raw='{"account_id": ',
    )
    script["agent"].insert(3, Reply(errors=(bad,)))
    traj, _ = await play(toy_env, script)
    assert traj.accepted and traj.tool_calls == 4
    assert_valid_openai_shape(traj)
    i = next(i for i, m in enumerate(traj.messages) if any(c.id == "x1" for c in m.tool_calls))
    assert traj.messages[i].tool_calls[0].arguments == {}
    assert traj.messages[i + 1].content == "Error: arguments are not JSON"


async def test_provider_error_ends_the_episode_cleanly(toy_env: Environment) -> None:
    script = good_script()
    script["agent"].insert(2, ProviderError("429", kind="rate_limit", retryable=True))
    traj, _ = await play(toy_env, script)
    assert traj.ending == "provider_error:rate_limit" and not traj.accepted
    assert traj.usage["agent"].errors == 1
    assert_valid_openai_shape(traj)


@pytest.mark.parametrize(
    ("limit", "ending"),
    [
        ({"max_turns": 2}, "max_turns"),
        ({"max_tool_calls": 2}, "max_tool_calls"),
        ({"max_episode_s": 0.05}, "max_duration"),
    ],
)
async def test_limits_end_the_episode(
    toy_env: Environment, limit: dict[str, Any], ending: str
) -> None:
    script = good_script()
    script["agent"][3] = Reply(
        tool_calls=(call("get_account", "c2", account_id="a0_0"),), delay=0.2
    )
    traj, _ = await play(toy_env, script, **limit)
    assert traj.ending == ending and not traj.accepted
    assert_valid_openai_shape(traj)
    assert not verdict(traj, "ending")


async def test_consecutive_errors_end_the_episode(toy_env: Environment) -> None:
    script = good_script()
    missing = [Reply(tool_calls=(call("get_account", f"e{i}", account_id="zz"),)) for i in range(3)]
    script["agent"][3:4] = missing
    traj, _ = await play(toy_env, script, max_consecutive_errors=3)
    assert traj.ending == "max_errors"
    errors = [m.content for m in traj.messages if m.role == "tool"][1:]
    assert errors == ["Error: accounts 'zz' not found"] * 3


async def test_human_stopping_early_is_a_rejection(toy_env: Environment) -> None:
    script = good_script()
    script["human"][1] = Reply("Never mind. ###STOP###")
    traj, _ = await play(toy_env, script)
    assert traj.ending == "stop" and traj.turns == 2 and not traj.accepted
    assert {v.verifier for v in traj.verdicts if not v.passed} == {"state", "outputs"}


async def test_transfer_ends_the_episode(toy_env: Environment) -> None:
    script = good_script()
    script["human"][1] = Reply("###TRANSFER###")
    traj, _ = await play(toy_env, script)
    assert traj.ending == "transfer"
    assert verdict(traj, "ending") and not verdict(traj, "state")
