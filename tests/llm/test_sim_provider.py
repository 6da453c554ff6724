"""The sim provider's plumbing: registration, knobs, transport failures, latency, usage."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from apigen.errors import ConfigError, UnknownNameError
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import SimKnobs, parse_sim_model, register_sim_provider, resolve_knobs
from apigen.types import Blueprint, ToolCall
from tests.llm.test_sim_support import call, guard_network, litellm, toy_env


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)
    toy_env()


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def toy_blueprint() -> Blueprint:
    return Blueprint(
        domain="toy",
        instruction="Your email is user1@example.com. You want to close account a1_0.",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user1@example.com"}),
            ToolCall(name="close_account", arguments={"account_id": "a1_0"}),
        ),
    )


TOOLS = [t.schema for t in toy_env().domain.tools]
AGENT_CTX = {K.BLUEPRINT: toy_blueprint(), K.EPISODE: "p"}
IDENTIFIED = [
    {"role": "system", "content": "policy"},
    {"role": "user", "content": "Hi, my email is user1@example.com."},
]


def test_registration_is_idempotent() -> None:
    first = register_sim_provider()
    second = register_sim_provider()
    assert first is second
    assert [i["provider"] for i in litellm.custom_provider_map].count("sim") == 1
    assert "sim" in litellm.provider_list


async def test_echo_returns_the_last_user_message() -> None:
    messages = [*user("first"), {"role": "assistant", "content": "ok"}, *user("second")]
    reply = await call("sim/echo", messages, {})
    assert reply.choices[0].message.content == "second"
    assert reply.model == "sim/echo"


def test_sync_completion_works() -> None:
    reply = litellm.completion(model="sim/echo", messages=user("hello"))
    assert reply.choices[0].message.content == "hello"


def test_model_names_parse_and_unknown_knobs_are_config_errors() -> None:
    assert parse_sim_model("sim/agent?wrong_argument=0.3&seed=7") == (
        "agent",
        {"wrong_argument": "0.3", "seed": "7"},
    )
    assert resolve_knobs({"seed": "7"}).seed == 7
    with pytest.raises(ConfigError, match="bogus") as err:
        parse_sim_model("sim/agent?bogus=1")
    assert err.value.field == "bogus"
    with pytest.raises(UnknownNameError, match="wizard"):
        parse_sim_model("sim/wizard")
    with pytest.raises(ConfigError, match="wrong_argument"):
        resolve_knobs({"wrong_argument": "2"})
    with pytest.raises(ConfigError, match="add up"):
        resolve_knobs({"wrong_argument": 0.6, "error_rate": 0.6})
    with pytest.raises(ConfigError, match="latency_dist"):
        resolve_knobs({"latency_dist": "gauss"})


async def test_unknown_knob_through_litellm_is_a_bad_request_caused_by_config_error() -> None:
    with pytest.raises(litellm.BadRequestError) as err:
        await call("sim/echo?colour=red", user("hi"), {})
    assert isinstance(err.value.__cause__, ConfigError)
    assert err.value.__cause__.field == "colour"
    with pytest.raises(litellm.BadRequestError) as err:
        await call("sim/agent", user("hi"), {K.SIM: {"shade": 1}})
    assert isinstance(err.value.__cause__, ConfigError)


async def test_missing_context_names_the_key() -> None:
    with pytest.raises(litellm.BadRequestError, match="blueprint") as err:
        await call("sim/agent", user("hi"), {})
    assert isinstance(err.value.__cause__, ConfigError)


async def test_context_knobs_override_the_name_and_defaults_sit_below() -> None:
    reply = await call("sim/echo?rate_limit=1", user("hi"), {K.SIM: {"rate_limit": 0}})
    assert reply.choices[0].message.content == "hi"
    register_sim_provider({"rate_limit": 1.0})
    try:
        with pytest.raises(litellm.RateLimitError):
            await call("sim/echo", user("hi"), {})
        reply = await call("sim/echo?rate_limit=0", user("hi"), {})
        assert reply.choices[0].message.content == "hi"
    finally:
        register_sim_provider({})


async def test_rate_limit_carries_retry_after() -> None:
    with pytest.raises(litellm.RateLimitError) as err:
        await call("sim/echo?rate_limit=1&retry_after=2.5", user("hi"), {})
    assert err.value.status_code == 429
    assert err.value.response.headers["retry-after"] == "2.5"
    assert err.value.headers == {"retry-after": "2.5"}


async def test_server_errors_are_500_or_503_and_timeouts_are_timeouts() -> None:
    codes = set()
    for k in range(12):
        with pytest.raises((litellm.InternalServerError, litellm.ServiceUnavailableError)) as err:
            await call("sim/echo?server_error=1", user(f"hi {k}"), {})
        codes.add(err.value.status_code)
    assert codes == {500, 503}
    with pytest.raises(litellm.Timeout):
        await call("sim/echo?timeout=1", user("hi"), {})


async def test_a_retried_request_draws_afresh() -> None:
    outcomes = []
    for _ in range(16):
        try:
            await call("sim/echo?rate_limit=0.5", user("same request"), {K.EPISODE: "retry"})
            outcomes.append("ok")
        except litellm.RateLimitError:
            outcomes.append("429")
    assert set(outcomes) == {"ok", "429"}


async def test_malformed_tool_json_and_unknown_tool_corrupt_tool_calls() -> None:
    clean = await call("sim/agent", IDENTIFIED, AGENT_CTX, tools=TOOLS)
    good = clean.choices[0].message.tool_calls[0]
    assert good.function.name == "find_user"
    assert json.loads(good.function.arguments) == {"email": "user1@example.com"}

    bad = await call("sim/agent?malformed_tool_json=1", IDENTIFIED, AGENT_CTX, tools=TOOLS)
    raw = bad.choices[0].message.tool_calls[0].function.arguments
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)

    odd = await call("sim/agent?unknown_tool=1", IDENTIFIED, AGENT_CTX, tools=TOOLS)
    offered = {t["function"]["name"] for t in TOOLS}
    assert odd.choices[0].message.tool_calls[0].function.name not in offered


async def test_agent_reports_reasoning_and_deterministic_call_ids() -> None:
    one = await call("sim/agent", IDENTIFIED, AGENT_CTX, tools=TOOLS)
    two = await call("sim/agent", IDENTIFIED, AGENT_CTX, tools=TOOLS)
    assert one.choices[0].message.reasoning_content
    assert one.choices[0].message.tool_calls[0].id == two.choices[0].message.tool_calls[0].id
    assert one.choices[0].finish_reason == "tool_calls"


async def test_latency_sleeps_without_blocking_the_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await call("sim/echo?latency=0.3", user("slow"), {})
    single = time.perf_counter() - started
    started = time.perf_counter()
    await asyncio.gather(*(call("sim/echo?latency=0.3", user(f"c{k}"), {}) for k in range(8)))
    concurrent = time.perf_counter() - started
    task.cancel()
    assert single >= 0.28
    assert concurrent < 8 * 0.3 / 2  # overlapped, not serialised
    assert ticks >= 10  # the loop kept running while the calls slept


async def test_latency_jitter_and_exponential_spread_delays() -> None:
    for model in (
        "sim/echo?latency=0.1&latency_jitter=0.08",
        "sim/echo?latency=0.05&latency_dist=exp",
    ):
        spent = []
        for k in range(4):
            started = time.perf_counter()
            await call(model, user(f"j{k}"), {})
            spent.append(time.perf_counter() - started)
        assert max(spent) - min(spent) > 0.01, spent


async def test_usage_counts_real_tokens() -> None:
    short = await call("sim/echo", user("hello there"), {})
    long = await call("sim/echo", user("hello there " * 200), {})
    for reply in (short, long):
        assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
        assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert long.usage.prompt_tokens > short.usage.prompt_tokens + 300
    assert long.usage.completion_tokens > short.usage.completion_tokens + 300


def test_every_knob_is_documented_at_the_field_and_in_the_guide() -> None:
    guide = (Path(__file__).parents[2] / "docs" / "sim-models.md").read_text()
    for name, info in SimKnobs.model_fields.items():
        assert info.description, name
        assert f"| `{name}` |" in guide, name
    assert "NOT for training" in guide
