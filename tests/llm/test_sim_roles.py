"""sim/generator, sim/reviewer, sim/judge and sim/human on their own."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from apigen.blueprints import check_format, check_grounding, validate_offline
from apigen.env import Environment, TaskSketch, protocol, replay_with_policy
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import SimKnobs, planned_faults
from apigen.types import Blueprint, ToolCall
from tests.llm.test_sim_support import (
    WRITES,
    call,
    guard_network,
    litellm,
    make_blueprint,
    parse_blueprint,
    run_episode,
    toy_env,
)
from tests.support.toy import DOMAIN


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def env() -> Environment:
    return toy_env()


ASK = [{"role": "user", "content": "Go."}]


def task(env: Environment, seed: int = 2) -> TaskSketch:
    sketch = DOMAIN.sample_task(env.db, random.Random(seed), WRITES)
    assert sketch is not None
    return sketch


async def generate(
    env: Environment, model: str = "sim/generator", ctx: dict[str, Any] | None = None
) -> str:
    base = {K.TASK: task(env), K.PERSONA: "A retired teacher", K.ENV: env, K.EPISODE: "g"}
    reply = await call(model, ASK, {**base, **(ctx or {})})
    return str(reply.choices[0].message.content)


async def review(
    env: Environment, bp: Blueprint, model: str = "sim/reviewer", ctx: dict[str, Any] | None = None
) -> Any:
    reply = await call(model, ASK, {K.BLUEPRINT: bp, K.ENV: env, **(ctx or {})})
    return json.loads(reply.choices[0].message.content)


# -- generator -------------------------------------------------------------------------


async def test_generator_writes_a_valid_blueprint_with_every_fact(env: Environment) -> None:
    sketch = task(env)
    text = await generate(env)
    bp = parse_blueprint(text)
    assert text.startswith("<reasoning>")
    stages, _ = validate_offline(bp, env)
    assert all(s.passed for s in stages), stages
    assert bp.actions[0] == sketch.auth[0]
    assert [a.name for a in bp.actions] == ["find_user", "get_account", "deposit", "close_account"]
    assert sketch.identity["email"] in bp.instruction
    for step in sketch.steps:
        for value in step.facts.values():
            assert value in bp.instruction
    assert "close_account" not in bp.instruction and "find_user" not in bp.instruction
    assert re.match(r"(You|Imagine|In this)", bp.instruction)


async def test_generator_is_deterministic_and_varies_with_the_seed(env: Environment) -> None:
    assert await generate(env, ctx={K.SEED: 4}) == await generate(env, ctx={K.SEED: 4})
    texts = {parse_blueprint(await generate(env, ctx={K.SEED: s})).instruction for s in range(8)}
    assert len(texts) >= 4


GENERATOR_FEEDBACK = {
    "unknown_tool": "actions[2]: unknown tool 'process_deposit'",
    "bad_argument": "actions[2] deposit: argument 'amount': Input should be a valid integer",
    "policy_breach": "actions[0] auth_first: no user authenticated",
    "missing_fact": "completeness: deposit argument amount is not stated in the instruction",
    "malformed": "format: the answer has no </actions> section",
}


def _broken(fault: str, text: str, env: Environment) -> bool:
    """Whether ``text`` shows ``fault`` the way validation would see it."""
    if fault == "malformed":
        try:
            parse_blueprint(text)
        except (AssertionError, ValueError):
            return True
        return False
    bp = parse_blueprint(text)
    if fault == "unknown_tool":
        return any(a.name not in DOMAIN.tool_map for a in bp.actions)
    if fault == "bad_argument":
        return not check_format(bp, env).passed
    if fault == "policy_breach":
        stages, _ = validate_offline(bp, env)
        return any(s.stage == "policy" and not s.passed for s in stages)
    assert fault == "missing_fact"
    return False


@pytest.mark.parametrize("fault", sorted(GENERATOR_FEEDBACK))
async def test_each_generator_fault_shows_and_is_repaired_on_feedback(
    env: Environment, fault: str
) -> None:
    model = f"sim/generator?{fault}=1"
    assert planned_faults("generator", SimKnobs(**{fault: 1.0}), "g").kind == fault
    first = await generate(env, model)
    fixed = await generate(env, model, ctx={K.ROUND: 1, K.FEEDBACK: [GENERATOR_FEEDBACK[fault]]})
    if fault == "missing_fact":
        assert (await review(env, parse_blueprint(first)))["criteria"]["completeness"]["score"] == 0
        assert (await review(env, parse_blueprint(fixed)))["criteria"]["completeness"]["score"] == 1
    else:
        assert _broken(fault, first, env)
        assert not _broken(fault, fixed, env)
    stages, _ = validate_offline(parse_blueprint(fixed), env)
    assert all(s.passed for s in stages)


async def test_generator_repair_needs_named_feedback_and_luck(env: Environment) -> None:
    unrelated = {K.ROUND: 1, K.FEEDBACK: ["creativity: the instruction is too short"]}
    assert _broken(
        "malformed", await generate(env, "sim/generator?malformed=1", ctx=unrelated), env
    )
    named = {K.ROUND: 1, K.FEEDBACK: [GENERATOR_FEEDBACK["malformed"]]}
    text = await generate(env, "sim/generator?malformed=1&repair=0", ctx=named)
    assert _broken("malformed", text, env)


# -- reviewer --------------------------------------------------------------------------


async def test_reviewer_passes_a_good_blueprint_and_finds_real_problems(env: Environment) -> None:
    good = parse_blueprint(await generate(env))
    verdict = await review(env, good)
    assert {k: v["score"] for k, v in verdict["criteria"].items()} == {
        "correctness": 1,
        "completeness": 1,
        "satisfaction": 1,
        "creativity": 1,
    }
    acct = good.actions[2].arguments["account_id"]
    ungrounded = good.model_copy(
        update={
            "actions": (
                *good.actions[:2],
                ToolCall(name="deposit", arguments={"account_id": acct, "amount": 777}),
            )
        }
    )
    scores = (await review(env, ungrounded))["criteria"]
    assert scores["completeness"]["score"] == 0 and "777" in scores["completeness"]["reason"]
    # the reviewer's completeness is the grounding stage's check, word for word
    stage = check_grounding(ungrounded, replay_with_policy(env, ungrounded.actions), env.domain)
    assert scores["completeness"]["reason"] == "; ".join(stage.reasons)
    closed_twice = good.model_copy(update={"actions": (*good.actions, good.actions[-1])})
    assert (await review(env, closed_twice))["criteria"]["correctness"]["score"] == 0
    promised = good.model_copy(update={"outputs": ("your new balance is 123456",)})
    assert (await review(env, promised))["criteria"]["satisfaction"]["score"] == 0
    terse = good.model_copy(update={"instruction": "Call close_account now."})
    assert (await review(env, terse))["criteria"]["creativity"]["score"] == 0


async def test_reviewer_disagree_flips_scores(env: Environment) -> None:
    good = parse_blueprint(await generate(env))
    flipped = await review(env, good, "sim/reviewer?disagree=1", ctx={K.CRITERIA: ["correctness"]})
    assert flipped["criteria"] == {
        "correctness": {"score": 0, "reason": flipped["criteria"]["correctness"]["reason"]}
    }
    assert "disagree" in flipped["criteria"]["correctness"]["reason"]
    partial = [await review(env, good, f"sim/reviewer?disagree=0.5&seed={s}") for s in range(6)]
    assert len({json.dumps(p) for p in partial}) > 1
    assert await review(env, good, "sim/reviewer?disagree=0.5&seed=3") == partial[3]


async def test_reviewer_rejects_unknown_criteria(env: Environment) -> None:
    good = parse_blueprint(await generate(env))
    with pytest.raises(litellm.BadRequestError, match="vibes"):
        await review(env, good, ctx={K.CRITERIA: ["vibes"]})


# -- judge -----------------------------------------------------------------------------


async def _judge(env: Environment, bp: Blueprint, messages: Any, model: str = "sim/judge") -> Any:
    ctx = {K.BLUEPRINT: bp, K.ENV: env, K.MESSAGES: messages}
    reply = await call(model, ASK, ctx)
    return {
        k: v["score"] for k, v in json.loads(reply.choices[0].message.content)["criteria"].items()
    }


async def test_judge_catches_unrealistic_humans_and_unfaithful_agents(env: Environment) -> None:
    bp = await make_blueprint(env, 3, WRITES)
    ep = await run_episode(env, bp, seed=3)
    records = list(ep.records())
    assert await _judge(env, bp, records) == {
        "policy_adherence": 1,
        "faithfulness": 1,
        "human_realism": 1,
    }
    odd = records[1].model_copy(update={"content": 'Use {"account_id": "a9_9"}'})
    assert (await _judge(env, bp, [*records[:1], odd, *records[2:]]))["human_realism"] == 0
    k = max(
        i
        for i, m in enumerate(records)
        if m.role == "assistant" and m.content and "anything else" in m.content
    )
    lying = records[k].model_copy(update={"content": "Done. Your new balance is 987654."})
    assert (await _judge(env, bp, [*records[:k], lying, *records[k + 1 :]]))["faithfulness"] == 0
    assert (await _judge(env, bp, records, "sim/judge?disagree=1")) == {
        "policy_adherence": 0,
        "faithfulness": 0,
        "human_realism": 0,
    }


async def test_judge_policy_sees_writes_without_confirmation(env: Environment) -> None:
    bp = await make_blueprint(env, 3, ("close_account",))
    ep = await run_episode(env, bp, seed=3)
    records = list(ep.records())
    # drop the confirmation exchange: the write then follows the request directly
    ask = next(
        i for i, m in enumerate(records) if m.content and protocol.asks_confirmation(m.content)
    )
    unconfirmed = records[:ask] + records[ask + 2 :]
    assert (await _judge(env, bp, unconfirmed))["policy_adherence"] == 0


async def test_judge_best_of_n_prefers_faithful_candidates(env: Environment) -> None:
    bp = await make_blueprint(env, 3, WRITES)
    deposit = bp.actions[2].arguments
    candidates = [
        "Thanks, bye! ###STOP###",
        f"I want to deposit {deposit['amount']} dollars into account {deposit['account_id']}.",
        "Can you tell me a joke?",
    ]
    reply = await call("sim/judge", ASK, {K.BLUEPRINT: bp, K.ENV: env, K.CANDIDATES: candidates})
    answer = json.loads(reply.choices[0].message.content)
    scores = {k: v["score"] for k, v in answer["scores"].items()}  # 0-10 per candidate
    assert max(scores, key=lambda k: scores[k]) == "1" and scores["1"] == 10
    assert all(0 <= v <= 10 for v in scores.values()) and answer["critique"] == ""
    again = await call("sim/judge", ASK, {K.BLUEPRINT: bp, K.ENV: env, K.CANDIDATES: candidates})
    assert again.choices[0].message.content == reply.choices[0].message.content


# -- human -----------------------------------------------------------------------------


async def test_human_answers_from_facts_and_varies_with_seed(env: Environment) -> None:
    bp = await make_blueprint(env, 3, WRITES)
    opening = [{"role": "system", "content": bp.instruction}]
    openings = {
        (await call("sim/human", opening, {K.BLUEPRINT: bp, K.SEED: s})).choices[0].message.content
        for s in range(8)
    }
    assert len(openings) > 1
    first = (
        (await call("sim/human", opening, {K.BLUEPRINT: bp, K.SEED: 1})).choices[0].message.content
    )
    amount = bp.actions[2].arguments["amount"]
    assert str(amount) in first and "close" not in first.lower()
    asked = [
        *opening,
        {"role": "assistant", "content": first},
        {"role": "user", "content": "What is the amount you want to deposit?"},
    ]
    reply = await call("sim/human", asked, {K.BLUEPRINT: bp, K.SEED: 1})
    assert reply.choices[0].message.content == f"The amount is {amount}."
    asked[-1] = {"role": "user", "content": "Could you please provide your email to verify?"}
    reply = await call("sim/human", asked, {K.BLUEPRINT: bp, K.SEED: 1})
    assert (
        "user" in reply.choices[0].message.content
        and "@example.com" in reply.choices[0].message.content
    )
