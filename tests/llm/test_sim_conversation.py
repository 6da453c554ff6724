"""sim/human and sim/agent play whole toy-bank episodes through litellm."""

from __future__ import annotations

import itertools

import pytest

from apigen.env import Environment, protocol
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import SimKnobs, planned_faults
from tests.llm.test_sim_support import (
    WRITES,
    call,
    expected_diff,
    guard_network,
    judge,
    make_blueprint,
    run_episode,
    toy_env,
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def env() -> Environment:
    return toy_env()


async def test_scripted_episode_reaches_the_blueprint_state(env: Environment) -> None:
    bp = await make_blueprint(env, 3, WRITES)
    ep = await run_episode(env, bp, seed=3)
    assert "###STOP###" in ep.human[-1]
    assert ep.box.diff() == expected_diff(env, bp)
    assert [c.name for c in ep.calls] == [a.name for a in bp.actions]
    for output in bp.outputs:
        assert any(output in text for text in ep.agent), output
    # identity before data, confirmation before each write, one request at a time
    assert ep.calls[0].name == "find_user"
    confirms = [t for t in ep.agent if protocol.asks_confirmation(t)]
    assert len(confirms) == 2
    assert "close" not in ep.human[0].lower()
    assert await judge(env, bp, ep) == {
        "policy_adherence": 1,
        "faithfulness": 1,
        "human_realism": 1,
    }


async def test_same_seed_same_episode_and_seeds_vary(env: Environment) -> None:
    bp = await make_blueprint(env, 5, WRITES)
    one = await run_episode(env, bp, seed=1, episode="same")
    two = await run_episode(env, bp, seed=1, episode="same")
    assert one.messages == two.messages  # texts, tool calls and call ids
    texts = set()
    for seed in range(6):
        ep = await run_episode(env, bp, seed=seed, episode="same")
        assert ep.box.diff() == expected_diff(env, bp)
        texts.add(tuple(ep.human + ep.agent))
    assert len(texts) > 1


def _fault_episode(fault: str, role: str = "agent") -> tuple[str, int]:
    """An episode key whose planned fault hits step 0 (so the test knows where to look)."""
    knobs = SimKnobs(**{fault: 1.0})
    for k in range(50):
        plan = planned_faults(role, knobs, f"f{k}", seed=0)
        assert plan.kind == fault
        if plan.step(2) == 0:
            return f"f{k}", 0
    raise AssertionError("no episode key hits step 0")


async def test_wrong_argument_writes_another_valid_value(env: Environment) -> None:
    bp = await make_blueprint(env, 7, WRITES)
    key, _ = _fault_episode("wrong_argument")
    ep = await run_episode(env, bp, episode=key, agent="sim/agent?wrong_argument=1")
    deposit = next(c for c in ep.calls if c.name == "deposit")
    assert deposit.arguments != bp.actions[2].arguments
    assert all(e.ok for e in ep.box.trace)  # schema-valid and accepted by the tool
    assert ep.box.diff() != expected_diff(env, bp)
    assert str(bp.actions[2].arguments["amount"]) in next(t for t in ep.agent if "confirm" in t)


async def test_skipped_step_claims_done_without_writing(env: Environment) -> None:
    bp = await make_blueprint(env, 7, WRITES)
    key, _ = _fault_episode("skipped_step")
    ep = await run_episode(env, bp, episode=key, agent="sim/agent?skipped_step=1")
    assert "deposit" not in [c.name for c in ep.calls]
    assert any("deposit completed" in t or "deposit went through" in t for t in ep.agent)
    assert "close_account" in [c.name for c in ep.calls]
    assert ep.box.diff() != expected_diff(env, bp)


async def test_extra_write_changes_more_than_the_blueprint(env: Environment) -> None:
    bp = await make_blueprint(env, 7, ("deposit",))
    key, _ = _fault_episode("extra_write")
    ep = await run_episode(env, bp, episode=key, agent="sim/agent?extra_write=1")
    writes = [e for e in ep.box.trace if e.write]
    assert len(writes) == 2 and all(e.ok and e.changed for e in writes)
    assert ep.box.diff() != expected_diff(env, bp)


async def test_missing_confirmation_breaks_policy_not_state(env: Environment) -> None:
    bp = await make_blueprint(env, 7, WRITES)
    key, _ = _fault_episode("missing_confirmation")
    ep = await run_episode(env, bp, episode=key, agent="sim/agent?missing_confirmation=1")
    assert ep.box.diff() == expected_diff(env, bp)
    assert len([t for t in ep.agent if protocol.asks_confirmation(t)]) == 1
    assert (await judge(env, bp, ep))["policy_adherence"] == 0


async def test_invented_output_states_a_wrong_value(env: Environment) -> None:
    bp = await make_blueprint(env, 7, WRITES)
    key, _ = _fault_episode("invented_output")
    ep = await run_episode(env, bp, episode=key, agent="sim/agent?invented_output=1")
    assert ep.box.diff() == expected_diff(env, bp)
    assert not any(bp.outputs[0] in t for t in ep.agent)
    assert (await judge(env, bp, ep))["faithfulness"] == 0


async def test_error_rate_spreads_faults_over_episodes(env: Environment) -> None:
    knobs = SimKnobs(error_rate=0.3)
    kinds = [planned_faults("agent", knobs, f"e{k}").kind for k in range(400)]
    share = sum(k is not None for k in kinds) / len(kinds)
    assert 0.22 < share < 0.38
    assert {k for k in kinds if k} == {
        "wrong_argument",
        "skipped_step",
        "extra_write",
        "missing_confirmation",
        "invented_output",
    }


async def test_agent_error_rate_spoils_exactly_the_planned_episodes(env: Environment) -> None:
    knobs = SimKnobs(error_rate=0.5)
    state_faults = {"wrong_argument", "skipped_step", "extra_write"}
    seen = set()
    for k in range(16):
        bp = await make_blueprint(env, 20 + k, WRITES)
        kind = planned_faults("agent", knobs, f"r{k}", seed=k).kind
        ep = await run_episode(env, bp, seed=k, episode=f"r{k}", agent="sim/agent?error_rate=0.5")
        assert (ep.box.diff() != expected_diff(env, bp)) == (kind in state_faults), kind
        seen.add(kind)
    assert None in seen and seen & state_faults


async def test_human_stop_early_ends_before_every_request(env: Environment) -> None:
    bp = await make_blueprint(env, 9, WRITES)
    key = next(
        f"s{k}"
        for k in range(50)
        if planned_faults("human", SimKnobs(stop_early=1.0), f"s{k}").step(2) == 1
    )
    ep = await run_episode(env, bp, episode=key, human="sim/human?stop_early=1")
    assert "###STOP###" in ep.human[-1]
    assert [c.name for c in ep.calls if c.name in WRITES] == ["deposit"]
    assert ep.box.diff() != expected_diff(env, bp)


async def test_human_drift_asks_one_off_task_question(env: Environment) -> None:
    bp = await make_blueprint(env, 9, WRITES)
    plain = await run_episode(env, bp, episode="d1")
    drift = await run_episode(env, bp, episode="d1", human="sim/human?drift=1")
    extra = [h for h in drift.human if h not in plain.human]
    assert len(extra) == 1 and "?" in extra[0]
    assert not any(w in extra[0].lower() for w in ("deposit", "account", "close"))
    assert drift.box.diff() == expected_diff(env, bp)  # the episode recovers
    assert any("can't help with that" in t or "still need to verify" in t for t in drift.agent)


async def test_human_transfers_only_where_a_tool_is_declared_a_hand_off(env: Environment) -> None:
    bp = await make_blueprint(env, 9, WRITES)
    messages = [
        {"role": "system", "content": bp.instruction},
        {"role": "assistant", "content": "Hi, I need some help."},
        {"role": "user", "content": "I will transfer you to a human agent now."},
    ]
    reply = await call("sim/human", messages, {K.BLUEPRINT: bp})
    assert not env.domain.hands_off  # the toy bank declares no hand-off: nothing to end
    assert reply.choices[0].message.content != "###TRANSFER###"
    # retail's transfer_to_human_agents is declared one (tests/llm/test_sim_retail.py)


async def test_human_declines_what_it_did_not_ask_for(env: Environment) -> None:
    bp = await make_blueprint(env, 9, WRITES)
    ep = await run_episode(env, bp, episode="n1")
    flipped = [{"role": "system", "content": bp.instruction}]
    for text in (ep.agent[0], ep.human[0]):
        flipped.append({"role": "user" if text in ep.agent else "assistant", "content": text})
    flipped.append(
        {"role": "user", "content": "I will close account a0_0. Do you confirm (yes/no)?"}
    )
    reply = await call("sim/human", flipped, {K.BLUEPRINT: bp, K.EPISODE: "n1"})
    assert protocol.consent(reply.choices[0].message.content) == "no"


# -- phrasing ------------------------------------------------------------------------------


def _exchanges(ep: object) -> list[tuple[str, str]]:
    """(confirmation request, the human's answer) pairs of an episode."""
    messages = ep.messages  # type: ignore[attr-defined]
    out = []
    for ask, answer in itertools.pairwise(messages):
        if ask["role"] == "assistant" and protocol.asks_confirmation(ask["content"] or ""):
            out.append((ask["content"], answer["content"]))
    return out


async def test_varied_phrasing_draws_realistic_shapes_per_episode(env: Environment) -> None:
    """The default phrasing draws requests and agreements from the protocol's varied
    shapes (several across episodes, the same for the same episode), and every
    episode still reaches the blueprint's state."""
    shapes = protocol.phrasing_shapes("varied")
    bp = await make_blueprint(env, 3, WRITES)
    asked, agreed = set(), set()
    for k in range(8):
        ep = await run_episode(env, bp, seed=k, episode=f"v{k}")
        assert ep.box.diff() == expected_diff(env, bp)
        pairs = _exchanges(ep)
        assert len(pairs) == 2
        for ask, answer in pairs:
            question = next(q for q in shapes.questions if ask.endswith(q))
            asked.add(question)
            assert answer in shapes.agreements and protocol.consent(answer) == "yes"
            agreed.add(answer)
        again = await run_episode(env, bp, seed=k, episode=f"v{k}")
        assert _exchanges(again) == pairs  # deterministic per episode
    assert len(asked) >= 3 and len(agreed) >= 3, (asked, agreed)


async def test_canonical_phrasing_keeps_the_old_exchange(env: Environment) -> None:
    shapes = protocol.phrasing_shapes("canonical")
    bp = await make_blueprint(env, 3, WRITES)
    for k in range(3):
        ep = await run_episode(
            env,
            bp,
            seed=k,
            episode=f"c{k}",
            agent="sim/agent?phrasing=canonical",
            human="sim/human?phrasing=canonical",
        )
        assert ep.box.diff() == expected_diff(env, bp)
        pairs = _exchanges(ep)
        assert len(pairs) == 2
        for ask, answer in pairs:
            assert ask.endswith(protocol.CONFIRM_QUESTION) and answer in shapes.agreements


@pytest.mark.parametrize("phrasing", protocol.PHRASINGS)
async def test_the_human_refuses_in_the_configured_phrasing(
    env: Environment, phrasing: str
) -> None:
    """A request the human did not make is refused, in a refusal of its phrasing; the
    varied refusals differ across episodes."""
    bp = await make_blueprint(env, 9, WRITES)
    refusals = set()
    for k in range(6):
        ep = await run_episode(env, bp, episode=f"n{k}")
        flipped = [{"role": "system", "content": bp.instruction}]
        for text in (ep.agent[0], ep.human[0]):
            flipped.append({"role": "user" if text in ep.agent else "assistant", "content": text})
        other = protocol.confirmation_request("close account a0_0", "I will {action}.")
        flipped.append({"role": "user", "content": other})
        ctx = {K.BLUEPRINT: bp, K.EPISODE: f"n{k}"}
        reply = await call(f"sim/human?phrasing={phrasing}", flipped, ctx)
        said = reply.choices[0].message.content
        assert said in protocol.phrasing_shapes(phrasing).refusals  # type: ignore[arg-type]
        assert protocol.consent(said) == "no"
        refusals.add(said)
    assert len(refusals) >= (3 if phrasing == "varied" else 1)
