"""The sim role-players on the retail domain: addresses with a blank line, hand-offs to
a human, free-text arguments, the confirmation protocol, and instruction phrasing."""

from __future__ import annotations

import json
import random
import re
from functools import cache
from typing import Any

import pytest

from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
from apigen.env import Environment, leaves, load_environment, mentions, protocol, restates
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import register_sim_provider
from apigen.llm.sim._facts import prose_cues
from apigen.llm.sim._plan import free_text_args, plan_of
from apigen.types import Blueprint, ToolCall
from tests.llm.test_sim_support import call, expected_diff, guard_network, run_episode

CURATED = {p.stem: p for p in iter_blueprint_files([curated_dir() / "retail"])}
TRANSFERS = ("return_then_transfer", "transfer_email_change", "transfer_return_in_transit")
ADDRESSES = (
    "cancel_and_move",
    "exchange_move_and_reroute",
    "move_default_address",
    "move_home",
    "order_address",
    "order_address_and_payment",
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@cache
def retail() -> Environment:
    register_sim_provider()
    return load_environment("retail", seed=0)


def curated(stem: str) -> Blueprint:
    return load_blueprint(CURATED[stem])


def _yes(text: str) -> bool:
    return protocol.consent(text) == "yes"


def _confirmations(texts: list[str]) -> list[str]:
    return [t for t in texts if protocol.asks_confirmation(t)]


# -- helpers the roles share -------------------------------------------------------------


def test_blank_strings_are_no_facts_and_values_compare_normalised() -> None:
    assert leaves({"line1": "1 Main St", "line2": "", "pad": "  ", "n": 3}) == ["1 Main St", 3]
    assert not mentions("line2 , city Austin", "")
    assert mentions("ship it to 1086  Rio Grande\nboulevard please", "1086 Rio Grande Boulevard")
    assert mentions("it is O\u2019Neil Street", "O'Neil Street")
    assert mentions("order R7293450", "#R7293450")
    assert not mentions("order #R72934501", "#R7293450")
    assert restates("say you ordered it by mistake", "ordered by mistake")
    assert restates("because you no longer need it", "no longer needed")
    assert not restates("you no longer want the mug you need", "no longer needed")
    assert not restates("ordered the lamp, and by the way it was a mistake", "ordered by mistake")
    assert not restates("Dodge St", "Dodge Street")


def test_free_text_is_what_the_tool_declares_and_holds_something() -> None:
    tools = retail().domain.tool_map
    transfer = tools["transfer_to_human_agents"]
    summary = "Customer wants to change the account email address to a.1@b.com."
    assert transfer.free_text == {"summary"}
    assert free_text_args(ToolCall(name=transfer.name, arguments={"summary": summary}), transfer)
    blank = ToolCall(name=transfer.name, arguments={"summary": " "})
    assert free_text_args(blank, transfer) == ()
    line1 = {"line1": "1086 Rio Grande Boulevard Apartment 4 Second Floor"}  # long, yet a fact
    address = tools["modify_user_address"]
    assert free_text_args(ToolCall(name=address.name, arguments=line1), address) == ()
    assert prose_cues(summary) == ["a.1@b.com"]
    assert prose_cues("Return items of order #R8841605, which is in transit.") == ["#R8841605"]


def test_retail_declares_confirmations_hand_off_and_authentication() -> None:
    tools = retail().domain.tool_map
    writes = {n for n, t in tools.items() if t.kind == "write"}
    assert {n for n, t in tools.items() if t.handoff} == {"transfer_to_human_agents"}
    assert {n for n, t in tools.items() if t.confirm} == writes - {"transfer_to_human_agents"}
    assert {n for n, t in tools.items() if t.authenticates} == {
        "find_user_id_by_email",
        "find_user_id_by_name_zip",
    }
    plan = plan_of(curated("transfer_email_change"), tools)
    assert [s.handoff for s in plan.steps] == [True] and not plan.steps[0].confirm
    assert plan.auth and all(tools[c.name].authenticates for c in plan.auth)


# -- agent and human on address changes ----------------------------------------------------


@pytest.mark.parametrize("stem", ADDRESSES)
async def test_address_changes_with_a_blank_line_are_confirmed_and_made(stem: str) -> None:
    env, bp = retail(), curated(stem)
    ep = await run_episode(env, bp, seed=0, episode=stem, max_turns=16)
    confirmations = _confirmations(ep.agent)
    assert confirmations
    for text in confirmations:
        assert not re.search(r"\s[,;)]|\(\s|:\s*[;)]", text), text  # no empty value printed
        assert "line2: ;" not in text and "line2 ," not in text
    assert all(protocol.consent(a) == "yes" for a in ep.answers), ep.answers
    assert ep.box.diff() == expected_diff(env, bp)


async def test_human_checks_the_facts_it_knows_not_blanks_or_unknown_ids() -> None:
    bp = curated("order_address")
    ctx = {K.BLUEPRINT: bp, K.EPISODE: "addr"}
    opening = [{"role": "system", "content": bp.instruction}]
    first = (await call("sim/human", opening, ctx)).choices[0].message.content
    convo = [*opening, {"role": "assistant", "content": first}]
    args = bp.actions[-1].arguments

    async def answer(text: str) -> str:
        msgs = [*convo, {"role": "user", "content": text}]
        return str((await call("sim/human", msgs, ctx)).choices[0].message.content)

    spaced = (
        f"Shall I ship order {str(args['order_id']).lstrip('#')} to "
        f"{str(args['line1']).upper()},\n{args['city']}  {args['state']} {args['zip']}?"
    )
    assert _yes(await answer(spaced))
    wrong = spaced.replace(str(args["zip"]), "99999")
    assert (await answer(wrong)).startswith("No")
    other = "I will cancel order #R0000000. Do you confirm (yes/no)?"
    assert (await answer(other)).startswith("No")


# -- hand-offs -------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", TRANSFERS)
async def test_transfer_is_made_without_confirmation_then_the_human_transfers(stem: str) -> None:
    env, bp = retail(), curated(stem)
    ep = await run_episode(env, bp, seed=0, episode=stem, max_turns=16)
    assert ep.human[-1] == "###TRANSFER###"
    assert ep.box.diff() == expected_diff(env, bp)
    names = [m.get("name") for m in ep.messages if m["role"] == "tool"]
    assert names[-1] == "transfer_to_human_agents"
    last_call = max(i for i, m in enumerate(ep.messages) if m.get("tool_calls"))
    before = ep.messages[:last_call]
    asked = [m for m in before if m["role"] == "assistant" and "transfer" in (m["content"] or "")]
    assert not asked  # no confirmation question for a hand-off
    after = [m["content"] for m in ep.messages[last_call:] if m["role"] == "assistant"]
    assert any("transferred" in (t or "") for t in after)


async def test_human_says_yes_to_a_transfer_question_and_transfers_after_it() -> None:
    bp = curated("transfer_email_change")
    ctx = {K.BLUEPRINT: bp, K.EPISODE: "tr"}
    opening = [{"role": "system", "content": bp.instruction}]
    first = (await call("sim/human", opening, ctx)).choices[0].message.content
    convo = [*opening, {"role": "assistant", "content": first}]

    async def answer(text: str) -> str:
        msgs = [*convo, {"role": "user", "content": text}]
        return str((await call("sim/human", msgs, ctx)).choices[0].message.content)

    summary = bp.actions[-1].arguments["summary"]
    questions = (
        "Shall I transfer you to a human agent?",
        "Would you like me to transfer you to a human agent?",
        f"I am about to transfer to human agents (summary: {summary}). Do you confirm (yes/no)?",
    )
    for question in questions:
        reply = await answer(question)
        assert "###TRANSFER###" not in reply and _yes(reply), (question, reply)
    for statement in (
        "I have transferred you to a human agent; they will take over shortly.",
        "I'm transferring you to a human agent now.",
    ):
        assert await answer(statement) == "###TRANSFER###"


# -- the confirmation protocol -------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(CURATED))
async def test_every_curated_blueprint_plays_within_the_confirmation_rule(stem: str) -> None:
    env, bp = retail(), curated(stem)
    ep = await run_episode(env, bp, seed=1, episode=f"c-{stem}", max_turns=16)
    assert ep.box.diff() == expected_diff(env, bp)
    records = ep.records()
    for k, m in enumerate(records):
        if m.role == "user" and k > 1 and _yes(m.content or ""):
            before = records[k - 1]
            if before.role == "assistant" and "(yes/no)" in (before.content or ""):
                assert protocol.asks_confirmation(before.content or ""), before.content
    box = env.sandbox()
    for k, m in enumerate(records):
        for c in m.tool_calls:
            assert box.policy_violations(c, records[:k]) == [], c.name
            box.call(c)
    tools = env.domain.tool_map
    confirmed = [a for a in bp.actions if tools[a.name].kind == "write"]
    assert len(_confirmations(ep.agent)) == sum(tools[a.name].confirm for a in confirmed)


# -- reviewer --------------------------------------------------------------------------------


async def _review(bp: Blueprint) -> dict[str, Any]:
    ctx = {K.BLUEPRINT: bp, K.ENV: retail(), K.EPISODE: "r"}
    reply = await call("sim/reviewer", [{"role": "user", "content": "Review it."}], ctx)
    return dict(json.loads(reply.choices[0].message.content)["criteria"])


@pytest.mark.parametrize("stem", sorted(CURATED))
async def test_reviewer_accepts_every_curated_blueprint(stem: str) -> None:
    scores = await _review(curated(stem))
    assert {k: v["score"] for k, v in scores.items()} == dict.fromkeys(scores, 1), scores


async def test_reviewer_still_finds_facts_missing_from_the_instruction() -> None:
    bp = curated("exchange_move_and_reroute")  # line2 'Suite 836' is a real fact
    hidden = bp.model_copy(update={"instruction": bp.instruction.replace("Suite 836, ", "")})
    scores = await _review(hidden)
    assert scores["completeness"]["score"] == 0
    assert "line2='Suite 836'" in scores["completeness"]["reason"]
    bp = curated("transfer_return_in_transit")
    vague = bp.model_copy(update={"instruction": bp.instruction.replace("#R8841605", "an order")})
    scores = await _review(vague)
    assert scores["satisfaction"]["score"] == 1  # "transferred to a human agent" asks for it
    assert scores["completeness"]["score"] == 1  # the summary is the agent's own words


# -- generator phrasing ----------------------------------------------------------------------

CLUMSY = {
    "preposition in the verb slot": r"\b(want|like|need)s? to (in|on|at|for|from|with|by|of)\b",
    "doubled word": r"\b(\w+) \1\b",
    "space before punctuation": r"\s[,.;:]",
    "doubled punctuation": r"[,;:]\s*[.,;:]|\.\.",
    "plural noun with 'is'": r"\b[Tt]he \w*[^s\W]s is\b",
    "verb phrase after 'is'": r"\b(is|are) (to )?(change|return|exchange|cancel|update|modify)\b",
    "dangling function word": r"\b(to|and|the|of|with|for|a)[.,;]",
}


async def test_generator_instructions_read_cleanly_on_many_retail_tasks() -> None:
    env = retail()
    writes = sorted(n for n, t in env.domain.tool_map.items() if t.kind == "write")
    found: dict[str, list[str]] = {}
    settings = 0
    for seed in range(150):
        rng = random.Random(seed)
        chosen = [rng.choice(writes) for _ in range(rng.choice((1, 2, 3)))]
        task = env.domain.sample_task(env.db, rng, chosen)
        if task is None:
            continue
        ctx = {K.TASK: task, K.PERSONA: "A retired teacher.", K.SEED: seed, K.ENV: env}
        reply = await call("sim/generator", [{"role": "user", "content": "Write it."}], ctx)
        text = reply.choices[0].message.content
        instruction = text.split("<instruction>")[1].split("</instruction>")[0]
        opening = r"\bin order #R\d+, you (want|would like|need) to \w+"
        settings += len(re.findall(opening, instruction, re.I))
        for name, pattern in CLUMSY.items():
            for m in re.finditer(pattern, instruction):
                found.setdefault(name, []).append(
                    instruction[max(0, m.start() - 40) : m.end() + 20]
                )
    assert not found, {k: v[:3] for k, v in found.items()}
    assert settings > 5  # intents that open with "in order #R..., exchange ..." were sampled
