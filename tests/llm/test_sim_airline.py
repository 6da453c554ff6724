"""The sim role-players on the airline domain: identity by user id, bookings with nested
arguments, hand-offs to a human, the confirmation protocol, reviewer and phrasing."""

from __future__ import annotations

import json
import random
import re
from functools import cache
from typing import Any

import pytest

from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
from apigen.env import Environment, load_environment, protocol
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import register_sim_provider
from apigen.types import Blueprint
from tests.llm.test_sim_retail import CLUMSY
from tests.llm.test_sim_support import call, expected_diff, guard_network, run_episode

CURATED = {p.stem: p for p in iter_blueprint_files([curated_dir() / "airline"])}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@cache
def airline() -> Environment:
    register_sim_provider()
    return load_environment("airline", seed=0)


def curated(stem: str) -> Blueprint:
    return load_blueprint(CURATED[stem])


def _confirmations(texts: list[str]) -> list[str]:
    return [t for t in texts if protocol.asks_confirmation(t)]


@pytest.mark.parametrize("stem", sorted(CURATED))
async def test_every_curated_blueprint_plays_to_its_state_within_the_policy(stem: str) -> None:
    env, bp = airline(), curated(stem)
    ep = await run_episode(env, bp, seed=1, episode=f"c-{stem}", max_turns=16)
    assert ep.box.diff() == expected_diff(env, bp)
    assert all(protocol.consent(a) == "yes" for a in ep.answers), ep.answers
    records = ep.records()
    box = env.sandbox()
    for k, m in enumerate(records):
        for c in m.tool_calls:
            assert box.policy_violations(c, records[:k]) == [], c.name
            box.call(c)
    writes = [a for a in bp.actions if env.domain.tool_map[a.name].kind == "write"]
    tools = env.domain.tool_map
    assert len(_confirmations(ep.agent)) == sum(tools[a.name].confirm for a in writes)
    said = " ".join(ep.agent)
    assert all(o in said for o in bp.outputs), (bp.outputs, said)


async def test_the_user_identifies_with_the_user_id_when_asked() -> None:
    bp = curated("cancel_1")
    user_id = bp.actions[0].arguments["user_id"]
    ep = await run_episode(airline(), bp, seed=0, episode="id", max_turns=16)
    asked = next(
        k for k, t in enumerate(ep.messages) if "verify your identity" in str(t["content"])
    )
    assert user_id in ep.messages[asked + 1]["content"]
    assert ep.calls[0].name == "get_user_details"


@pytest.mark.parametrize("stem", sorted(s for s in CURATED if s.startswith("book")))
async def test_bookings_are_confirmed_with_every_flight_and_passenger(stem: str) -> None:
    env, bp = airline(), curated(stem)
    ep = await run_episode(env, bp, seed=0, episode=stem, max_turns=16)
    booked = [a for a in bp.actions if a.name == "book_reservation"]
    confirmations = [t for t in _confirmations(ep.agent) if "book" in t.lower()]
    assert len(confirmations) == len(booked)
    for text, action in zip(confirmations, booked, strict=True):
        for flight in action.arguments["flights"]:
            assert flight["flight_number"] in text and flight["date"] in text
        for person in action.arguments["passengers"]:
            assert person["last_name"] in text
    assert ep.box.diff() == expected_diff(env, bp)


@pytest.mark.parametrize("stem", sorted(s for s in CURATED if s.endswith("transfer_1")))
async def test_transfer_is_made_without_confirmation_then_the_human_transfers(stem: str) -> None:
    env, bp = airline(), curated(stem)
    ep = await run_episode(env, bp, seed=0, episode=stem, max_turns=16)
    assert ep.human[-1] == "###TRANSFER###"
    assert env.domain.tool_map[ep.calls[-1].name].handoff
    last_call = max(i for i, m in enumerate(ep.messages) if m.get("tool_calls"))
    asked = [
        m
        for m in ep.messages[:last_call]
        if m["role"] == "assistant"
        and "transfer" in (m["content"] or "")
        and "(yes/no)" in (m["content"] or "")
    ]
    assert not asked


async def _review(bp: Blueprint) -> dict[str, Any]:
    ctx = {K.BLUEPRINT: bp, K.ENV: airline(), K.EPISODE: "r"}
    reply = await call("sim/reviewer", [{"role": "user", "content": "Review it."}], ctx)
    return dict(json.loads(reply.choices[0].message.content)["criteria"])


@pytest.mark.parametrize("stem", sorted(CURATED))
async def test_reviewer_accepts_every_curated_blueprint(stem: str) -> None:
    scores = await _review(curated(stem))
    assert {k: v["score"] for k, v in scores.items()} == dict.fromkeys(scores, 1), scores


async def test_reviewer_finds_a_cancel_reason_missing_from_the_instruction() -> None:
    bp = curated("cancel_1")
    assert bp.actions[-1].arguments["reason"] == "health"
    vague = bp.instruction.replace("health", "a private matter")
    scores = await _review(bp.model_copy(update={"instruction": vague}))
    assert scores["completeness"]["score"] == 0
    assert "reason='health'" in scores["completeness"]["reason"]


async def test_generator_instructions_read_cleanly_on_many_airline_tasks() -> None:
    env = airline()
    writes = sorted(n for n, t in env.domain.tool_map.items() if t.kind == "write")
    found: dict[str, list[str]] = {}
    for seed in range(60):
        rng = random.Random(seed)
        chosen = [rng.choice(writes) for _ in range(rng.choice((1, 2)))]
        task = env.domain.sample_task(env.db, rng, chosen)
        if task is None:
            continue
        ctx = {K.TASK: task, K.PERSONA: "A retired pilot.", K.SEED: seed, K.ENV: env}
        reply = await call("sim/generator", [{"role": "user", "content": "Write it."}], ctx)
        text = reply.choices[0].message.content
        instruction = text.split("<instruction>")[1].split("</instruction>")[0]
        for name, pattern in CLUMSY.items():
            for m in re.finditer(pattern, instruction):
                found.setdefault(name, []).append(
                    instruction[max(0, m.start() - 40) : m.end() + 20]
                )
    assert not found, {k: v[:3] for k, v in found.items()}
