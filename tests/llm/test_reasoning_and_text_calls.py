"""Reasoning kept out of what a model says, Anthropic thinking blocks sent back, and
tool calls written as text, on answers shaped as real servers return them: vLLM
serving Qwen3 / DeepSeek-R1 (``<think>``, ``reasoning_content``), Hermes-format
``<tool_call>`` from a vLLM server without a tool parser, Llama 3.1
``<|python_tag|>``, Anthropic ``thinking_blocks`` as litellm returns them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from apigen.llm import EndpointSettings, LLMClient
from apigen.llm._litellm import takes_thinking_blocks
from apigen.llm._messages import read_answer, split_reasoning, to_openai_messages
from apigen.types import Message
from tests.llm._server import FakeOpenAI, Reply, chat_body
from tests.llm.conftest import KEY_ENV

MODEL = "openai/local-model"
USER = [Message(role="user", content="Cancel order #W1, please.")]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "cancel_pending_order",
            "description": "Cancel a pending order.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["order_id", "reason"],
            },
        },
    }
]
NAMES = {"cancel_pending_order"}
MakeClient = Callable[..., LLMClient]

QWEN3 = (
    "<think>\nThe user wants to cancel #W1. The policy says I must ask for confirmation. "
    "Yes, please go ahead — that is what I would like them to say.\n</think>\n\n"
    "I can cancel order #W1 for you. Do you confirm (yes/no)?"
)


def test_think_blocks_are_reasoning_not_speech() -> None:
    said, thought = split_reasoning(QWEN3)
    assert said == "I can cancel order #W1 for you. Do you confirm (yes/no)?"
    assert thought is not None and "Yes, please go ahead" in thought
    # DeepSeek-R1 / Qwen3 via vLLM: the template opened the block, the model closes it
    said, thought = split_reasoning("Let me check the policy first.\n</think>\nSure, done.")
    assert (said, thought) == ("Sure, done.", "Let me check the policy first.")
    # cut off mid-thought (max_tokens): nothing was said
    assert split_reasoning("<think>I should ask for the order") == (
        None,
        "I should ask for the order",
    )
    assert split_reasoning("No reasoning here.") == ("No reasoning here.", None)


async def test_reasoning_never_reaches_the_text_over_http(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(body=chat_body(QWEN3)))
    server.push(Reply(body=chat_body("Your refund is $38.70.", reasoning="Refund = 38.7")))
    client = make_client()
    first = await client.complete("agent", MODEL, USER)
    assert first.text is not None and "<think>" not in first.text
    assert "Yes, please go ahead" not in first.text
    assert first.reasoning is not None and "must ask for confirmation" in first.reasoning
    second = await client.complete("agent", MODEL, USER)
    assert (second.text, second.reasoning) == ("Your refund is $38.70.", "Refund = 38.7")
    # what goes back to the provider carries no reasoning text
    wire = to_openai_messages([first.message])
    assert wire == [{"role": "assistant", "content": first.text}]


HERMES = (
    "I'll cancel it now.\n<tool_call>\n"
    '{"name": "cancel_pending_order", "arguments": {"order_id": "#W1", "reason": '
    '"ordered by mistake"}}\n</tool_call>'
)


async def test_hermes_text_calls_are_calls_when_the_endpoint_says_so(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    server.push(Reply(body=chat_body(HERMES)), Reply(body=chat_body(HERMES)))
    plain = make_client()
    answer = await plain.complete("agent", MODEL, USER, tools=TOOLS)
    assert answer.tool_calls == () and answer.text == HERMES  # not configured: text
    hermes = make_client(
        endpoints={
            "openai/*": EndpointSettings(
                api_base=server.url, api_key_env=KEY_ENV, text_tool_calls="hermes"
            )
        }
    )
    answer = await hermes.complete("agent", MODEL, USER, tools=TOOLS)
    (call,) = answer.tool_calls
    assert call.name == "cancel_pending_order"
    assert call.arguments == {"order_id": "#W1", "reason": "ordered by mistake"}
    assert answer.text == "I'll cancel it now."


@pytest.mark.parametrize(
    "content",
    [
        '<|python_tag|>{"name": "cancel_pending_order", "parameters": {"order_id": "#W1", '
        '"reason": "no longer needed"}}<|eom_id|>',
        '{"name": "cancel_pending_order", "parameters": {"order_id": "#W1", '
        '"reason": "no longer needed"}}',
    ],
    ids=["python-tag", "bare-json"],
)
def test_llama_text_calls(content: str) -> None:
    answer = read_answer({"role": "assistant", "content": content}, NAMES, "llama")
    (call,) = answer.tool_calls
    assert call.arguments == {"order_id": "#W1", "reason": "no longer needed"}
    assert answer.text is None and answer.errors == ()


def test_malformed_text_calls_are_recorded_errors_not_speech() -> None:
    broken = '<tool_call>\n{"name": "cancel_pending_order", "arguments": {"order_id": "#W1",\n'
    answer = read_answer({"role": "assistant", "content": broken}, NAMES, "hermes")
    assert answer.tool_calls == () and answer.text is None
    (error,) = answer.errors
    assert error.kind == "invalid_json" and error.tool == "cancel_pending_order"
    unknown = '<tool_call>{"name": "refund_everything", "arguments": {}}</tool_call>'
    (error,) = read_answer({"content": unknown}, NAMES, "hermes").errors
    assert error.kind == "unknown_tool"


def test_anthropic_thinking_blocks_round_trip() -> None:
    """The shape litellm gives for claude with extended thinking (tau2 corpus too)."""
    block = {"type": "thinking", "thinking": "Verify the user first.", "signature": "EvMCCkYI"}
    raw = {
        "role": "assistant",
        "content": None,
        "thinking_blocks": [block],
        "reasoning_content": "Verify the user first.",
        "tool_calls": [
            {
                "id": "toolu_01",
                "type": "function",
                "function": {"name": "cancel_pending_order", "arguments": json.dumps({})},
            }
        ],
    }
    answer = read_answer(raw, NAMES)
    assert answer.reasoning == "Verify the user first."
    (sent,) = to_openai_messages([answer.message])
    assert sent["thinking_blocks"] == [block]
    assert sent["tool_calls"][0]["id"] == "toolu_01"
    assert "reasoning" not in sent and sent["content"] is None


async def test_thinking_blocks_never_reach_a_provider_that_refuses_them(
    server: FakeOpenAI, make_client: MakeClient
) -> None:
    block = {"type": "thinking", "thinking": "Check the policy.", "signature": "EvMC"}
    history = [*USER, Message(role="assistant", content="One moment.", thinking_blocks=(block,))]
    server.push(Reply(body=chat_body("ok")))
    await make_client().complete("agent", MODEL, history)
    assert "thinking_blocks" not in server.requests[0]["messages"][1]
    assert takes_thinking_blocks("anthropic/claude-sonnet-4-5")
    assert takes_thinking_blocks("bedrock/anthropic.claude-3-7-sonnet")
    assert not takes_thinking_blocks(MODEL)
