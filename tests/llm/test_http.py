"""The real HTTP path: litellm's OpenAI-compatible provider against a local server."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from apigen.errors import ConfigError, ProviderError
from apigen.llm import EndpointSettings, LLMClient, RoleModels
from apigen.types import Message, ToolCall
from tests.llm._server import FakeOpenAI, Reply, chat_body

USER = [Message(role="system", content="be brief"), Message(role="user", content="hi")]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_balance",
            "description": "Balance of an account.",
            "parameters": {
                "type": "object",
                "properties": {"account_id": {"type": "string"}},
                "required": ["account_id"],
            },
        },
    }
]
MODEL = "openai/local-model"

MakeClient = Callable[..., LLMClient]


async def test_plain_call_returns_text_usage_and_unknown_cost(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(body=chat_body("hello there", usage=(12, 5), reasoning="thought")))
    client = make_client()
    result = await client.complete("human", MODEL, USER)
    assert result.text == "hello there"
    assert result.reasoning == "thought"
    assert (result.prompt_tokens, result.completion_tokens) == (12, 5)
    assert result.cost_usd is None  # litellm has no price for "local-model"
    assert result.finish_reason == "stop"
    assert result.attempts == 1 and not result.cached
    assert server.requests[0]["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]


async def test_known_model_is_priced(server: FakeOpenAI, make_client: MakeClient) -> None:
    server.push(Reply(body=chat_body(usage=(1000, 1000), model="gpt-4o-mini")))
    result = await make_client().complete("judge", "openai/gpt-4o-mini", USER)
    assert result.cost_usd is not None and result.cost_usd > 0


async def test_tool_call_goes_through_litellm(server: FakeOpenAI, make_client: MakeClient) -> None:
    """litellm 1.106 imports ``mcp`` on any call with tools; this must work."""
    server.push(
        Reply(body=chat_body(None, tool_calls=[("c1", "get_balance", '{"account_id": "a1"}')]))
    )
    result = await make_client().complete("agent", MODEL, USER, tools=TOOLS)
    assert result.tool_calls == (
        ToolCall(name="get_balance", arguments={"account_id": "a1"}, id="c1"),
    )
    assert result.errors == ()
    assert result.finish_reason == "tool_calls"
    assert server.requests[0]["tools"][0]["function"]["name"] == "get_balance"
    assert result.message.tool_calls == result.tool_calls


async def test_history_with_tool_calls_is_sent_in_openai_shape(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    history = [
        *USER,
        Message(
            role="assistant",
            tool_calls=(ToolCall(name="get_balance", arguments={"account_id": "a1"}, id="c1"),),
        ),
        Message(role="tool", content='{"balance": 3}', tool_call_id="c1", name="get_balance"),
    ]
    await make_client().complete("agent", MODEL, history, tools=TOOLS)
    sent = server.requests[0]["messages"]
    call = sent[2]["tool_calls"][0]
    assert call["id"] == "c1" and call["function"]["name"] == "get_balance"
    assert json.loads(call["function"]["arguments"]) == {"account_id": "a1"}
    assert sent[3]["role"] == "tool" and sent[3]["tool_call_id"] == "c1"


async def test_malformed_tool_calls_become_output_errors(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    calls = [
        ("c1", "get_balance", '{"account_id": "a1"'),  # truncated JSON
        ("c2", "delete_everything", "{}"),  # not offered
        ("c3", "get_balance", '{"account_id": "a2"}'),  # fine
    ]
    server.push(Reply(body=chat_body(None, tool_calls=calls)))
    result = await make_client().complete("agent", MODEL, USER, tools=TOOLS)
    assert [c.id for c in result.tool_calls] == ["c3"]
    kinds = {(e.call_id, e.kind) for e in result.errors}
    assert kinds == {("c1", "invalid_json"), ("c2", "unknown_tool")}
    bad_json = next(e for e in result.errors if e.kind == "invalid_json")
    assert bad_json.raw == '{"account_id": "a1"' and bad_json.tool == "get_balance"


async def test_429_waits_retry_after_then_succeeds(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(status=429, headers={"retry-after": "0.2"}), Reply(body=chat_body("late")))
    client = make_client()
    result = await client.complete("agent", MODEL, USER)
    assert result.text == "late" and result.attempts == 2
    assert len(server.requests) == 2
    assert server.arrivals[1] - server.arrivals[0] >= 0.2
    assert client.usage()["agent"].retries == 1


async def test_500_is_retried(server: FakeOpenAI, make_client: MakeClient) -> None:
    server.push(Reply(status=500), Reply(status=503), Reply(body=chat_body("up again")))
    result = await make_client().complete("agent", MODEL, USER)
    assert result.text == "up again" and result.attempts == 3
    assert len(server.requests) == 3


async def test_timeout_is_retried_then_reported(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(delay=1.0), Reply(delay=1.0))
    client = make_client(retry={"timeout_s": 0.25, "max_attempts": 2})
    with pytest.raises(ProviderError) as caught:
        await client.complete("agent", MODEL, USER)
    assert caught.value.kind == "timeout" and caught.value.retryable
    assert len(server.requests) == 2
    usage = client.usage()["agent"]
    assert (usage.errors, usage.retries, usage.calls) == (1, 1, 0)


async def test_400_is_not_retried(server: FakeOpenAI, make_client: MakeClient) -> None:
    server.push(Reply(status=400), Reply(body=chat_body("never")))
    client = make_client()
    with pytest.raises(ProviderError) as caught:
        await client.complete("agent", MODEL, USER)
    assert caught.value.kind == "bad_request"
    assert caught.value.status_code == 400 and not caught.value.retryable
    assert len(server.requests) == 1


async def test_auth_error_is_not_retried(server: FakeOpenAI, make_client: MakeClient) -> None:
    server.push(Reply(status=401))
    with pytest.raises(ProviderError) as caught:
        await make_client().complete("agent", MODEL, USER)
    assert caught.value.kind == "auth" and len(server.requests) == 1


async def test_retries_exhausted_raise_rate_limit(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(*[Reply(status=429) for _ in range(3)])
    with pytest.raises(ProviderError) as caught:
        await make_client(retry={"max_attempts": 3}).complete("agent", MODEL, USER)
    assert caught.value.kind == "rate_limit" and caught.value.status_code == 429
    assert len(server.requests) == 3


async def test_fallback_answers_when_primary_fails(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(status=400), Reply(body=chat_body("from fallback")))
    client = make_client(agent=RoleModels(models=(MODEL,), fallbacks=("openai/other-model",)))
    result = await client.complete("agent", None, USER)
    assert result.text == "from fallback" and result.model == "openai/other-model"
    assert [r["model"] for r in server.requests] == ["local-model", "other-model"]
    by_model = client.usage_by_model()
    assert by_model[MODEL].errors == 1 and by_model["openai/other-model"].calls == 1


async def test_usage_is_counted_per_role_and_model(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(
        Reply(body=chat_body(usage=(10, 1))),
        Reply(body=chat_body(usage=(20, 2))),
        Reply(body=chat_body(usage=(30, 3))),
    )
    client = make_client()
    await client.complete("agent", MODEL, USER)
    await client.complete("agent", MODEL, USER)
    await client.complete("human", "openai/human-model", USER)
    usage = client.usage()
    assert (usage["agent"].calls, usage["agent"].prompt_tokens) == (2, 30)
    assert (usage["human"].calls, usage["human"].completion_tokens) == (1, 3)
    assert usage["agent"].cost_usd is None
    delta = client.take_usage()
    assert delta[("agent", MODEL)].completion_tokens == 3
    assert client.usage() == {}


async def test_sampling_params_are_sent(server: FakeOpenAI, make_client: MakeClient) -> None:
    client = make_client(agent=RoleModels(models=(MODEL,), params={"temperature": 0.3, "seed": 7}))
    await client.complete("agent", None, USER, params={"max_tokens": 50})
    sent = server.requests[0]
    assert (sent["temperature"], sent["seed"], sent["max_tokens"]) == (0.3, 7, 50)


async def test_missing_api_key_variable_is_a_config_error(make_client: MakeClient) -> None:
    client = make_client(
        endpoints={"openai/*": EndpointSettings(api_key_env="APIGEN_TEST_NO_SUCH_KEY")}
    )
    with pytest.raises(ConfigError, match="APIGEN_TEST_NO_SUCH_KEY"):
        await client.complete("agent", MODEL, USER)
