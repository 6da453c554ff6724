"""A domain that only declares gets the conversational behaviour: confirmations before
declared writes, none before others, no hand-off taken from a description, no
authentication when no tool authenticates, neutral framing, and no text matcher."""

from __future__ import annotations

import pytest

from apigen.env import (
    CONFORMANCE_CHECKS,
    ConformanceError,
    Environment,
    Framing,
    load_environment,
    protocol,
)
from apigen.llm import LLMClient
from apigen.llm.sim._plan import plan_of
from apigen.rollout import RolloutConfig, run_trials
from apigen.rollout._committee import judge_prompt
from apigen.rollout._human import human_system_prompt
from apigen.types import Blueprint, Message, Trajectory
from tests.rollout._support import Spy, assert_valid_shape, failed, sim_client
from tests.support.ledger import BLUEPRINTS, DOMAIN, Ledger

BY_ID = {bp.id: bp for bp in BLUEPRINTS}


@pytest.fixture(scope="module")
def client() -> LLMClient:
    return sim_client()


@pytest.fixture(scope="module")
def ledger() -> Environment:
    return DOMAIN.load(seed=0)


def _agent_texts(traj: Trajectory) -> list[str]:
    return [m.content or "" for m in traj.messages if m.role == "assistant" and m.content]


def _asked_before(traj: Trajectory, tool: str) -> bool:
    """The agent's last text before the first call of ``tool`` asks for confirmation."""
    last = ""
    for m in traj.messages:
        if m.role == "assistant" and any(c.name == tool for c in m.tool_calls):
            return protocol.asks_confirmation(last)
        if m.role == "assistant" and m.content:
            last = m.content
    raise AssertionError(f"{tool} was never called")


@pytest.mark.parametrize("name", sorted(CONFORMANCE_CHECKS))
def test_the_declaring_domain_passes_conformance(name: str) -> None:
    CONFORMANCE_CHECKS[name](DOMAIN)


def test_money_to_another_persons_account_is_no_hand_off() -> None:
    tools = DOMAIN.tool_map
    transfer = tools["transfer_money"]
    assert "another person's account" in transfer.description
    assert transfer.confirm and not transfer.handoff and not DOMAIN.hands_off
    assert transfer.declarations == {"confirm": True}
    assert tools["add_note"].declarations == {"free_text": ["note"]}
    plan = plan_of(BY_ID["ledger-note-then-transfer"], tools)
    assert plan.auth == () and plan.identity == {}
    assert [(s.write.name, s.confirm, s.handoff) for s in plan.steps] == [
        ("add_note", False, False),
        ("transfer_money", True, False),
    ]
    assert plan.steps[0].prose == ("note",) and plan.steps[0].values() == ["A2"]


@pytest.mark.parametrize("bp", BLUEPRINTS, ids=lambda b: b.id)
async def test_declared_confirmation_is_asked_and_accepted(
    ledger: Environment, client: LLMClient, bp: Blueprint
) -> None:
    config = RolloutConfig(trials=2)
    result = await run_trials(bp, env=ledger, client=client, config=config, seed=5)
    for traj in result.trajectories:
        assert traj.accepted, [(v.verifier, v.reasons) for v in traj.verdicts if not v.passed]
        assert traj.ending == "stop"  # a money transfer ends nothing: no ###TRANSFER###
        assert _asked_before(traj, "transfer_money")
        assert_valid_shape(traj)


async def test_an_undeclared_write_is_made_without_a_question(
    ledger: Environment, client: LLMClient
) -> None:
    bp = BY_ID["ledger-note-then-transfer"]
    result = await run_trials(bp, env=ledger, client=client, config=RolloutConfig(), seed=2)
    for traj in result.trajectories:
        assert traj.accepted
        assert not _asked_before(traj, "add_note")
        assert sum(protocol.asks_confirmation(t) for t in _agent_texts(traj)) == 1


async def test_a_declared_write_without_confirmation_is_rejected_by_the_core_rule(
    ledger: Environment, client: LLMClient
) -> None:
    config = RolloutConfig(trials=2)
    played = sim_client(agent="sim/agent?missing_confirmation=1")
    result = await run_trials(BY_ID["ledger-transfer"], env=ledger, client=played, config=config)
    for traj in result.trajectories:
        assert traj.ending == "early_reject:policy" and "policy" in failed(traj)
        reasons = next(v.reasons for v in traj.verdicts if v.verifier == "early_reject")
        assert "confirm_before_write: transfer_money" in reasons[0]


async def test_a_world_without_authentication_is_framed_neutrally(
    ledger: Environment, client: LLMClient
) -> None:
    spy = Spy(client)
    bp = BY_ID["ledger-transfer"]
    config = RolloutConfig(trials=1)
    result = await run_trials(bp, env=ledger, client=spy, config=config, seed=1)  # type: ignore[arg-type]
    traj = result.trajectories[0]
    assert traj.accepted
    assert not any(protocol.asks_identity(t, ["account id"]) for t in _agent_texts(traj))
    human = next(r for r in spy.requests if r["role"] == "human")["messages"][0].content
    assert human.startswith("You are a user talking to an assistant in a chat.")
    assert protocol.STOP in human and protocol.TRANSFER not in human
    judge = next(r for r in spy.requests if r["role"] == "judge")["messages"][1].content
    assert "\nUSER: " in judge and "\nASSISTANT: " in judge and "CUSTOMER" not in judge


def test_retail_frames_a_customer_and_its_hand_off() -> None:
    retail = load_environment("retail").domain
    bp = BY_ID["ledger-transfer"].model_copy(update={"domain": "retail"})
    prompt = human_system_prompt(bp, retail)
    assert prompt.startswith("You are a customer of an online store talking to a customer-")
    assert protocol.TRANSFER in prompt
    labels = (retail.framing.user_label, retail.framing.agent_label)
    said = [Message(role="user", content="Hi"), Message(role="assistant", content="Hello")]
    text = judge_prompt(bp, retail.policy, said, ["faithfulness"], labels=labels)[1].content
    assert "Conversation:\nCUSTOMER: Hi\nAGENT: Hello" in (text or "")


def test_conformance_names_a_confirmation_nobody_checks() -> None:
    class Unchecked(Ledger):
        policy_checks = ()

    with pytest.raises(ConformanceError, match="transfer_money declare confirm=True"):
        CONFORMANCE_CHECKS["declarations"](Unchecked())


def test_framing_rules_follow_the_core_rules_in_the_human_prompt() -> None:
    class Strict(Ledger):
        framing = Framing(user="a shop owner", human_rules=("Never share your PIN.",))

    prompt = human_system_prompt(BY_ID["ledger-transfer"], Strict())
    assert prompt.startswith("You are a shop owner talking to an assistant in a chat.")
    rules = prompt.split("Rules:\n", 1)[1].splitlines()
    assert rules[-1] == "- Never share your PIN." and len(rules) == 6
