"""Every exported record is checked: legal role order, each tool call answered once."""

from __future__ import annotations

import pytest

from apigen.export import ExportOptions, InvalidRecord, validate_messages
from apigen.export._convert import prepare
from apigen.types import Message, ToolCall
from tests.store.conversations import conversation

S = Message(role="system", content="policy")
U = Message(role="user", content="hi")
A = Message(role="assistant", content="hello")
OPTS = ExportOptions(format="openai", out="x.jsonl")


def call(*ids: str | None) -> Message:
    return Message(role="assistant", tool_calls=tuple(ToolCall(name="get_user", id=i) for i in ids))


def tool(i: str | None) -> Message:
    return Message(role="tool", content="{}", tool_call_id=i, name="get_user")


def test_legal_conversations() -> None:
    assert validate_messages([S, U, A]) == []
    assert validate_messages([U, call("1"), tool("1"), A]) == []
    assert validate_messages([U, call("1", "2"), tool("2"), tool("1"), A, U, A]) == []
    assert validate_messages([U, call("1"), tool("1"), U, A]) == []
    assert validate_messages(conversation([("find_user", {})], parallel=True)[:-1]) == []


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([A, U, A], "does not start with a user message"),
        ([U, S, A], "system message after the start"),
        ([U, U, A], "two user messages in a row"),
        ([U, A, A], "two assistant messages in a row"),
        ([U, call("1"), A], "tool calls left unanswered"),
        ([U, call("1"), tool("2"), A], "answers no open tool call"),
        ([U, call("1"), tool("1"), tool("1"), A], "answers no open tool call"),
        ([U, tool("1"), A], "answers no open tool call"),
        ([U, call(None), tool(None), A], "tool call without an id"),
        ([U, call("1", "1"), tool("1"), A], "duplicate tool call ids"),
        ([U, Message(role="assistant", content="  ")], "empty assistant message"),
        ([U, call("1"), tool("1")], "does not end with an assistant reply"),
        (
            [U, Message(role="user", content="x", tool_calls=(ToolCall(name="a", id="1"),)), A],
            "user message with tool calls",
        ),
    ],
)
def test_illegal_conversations(messages: list[Message], problem: str) -> None:
    assert any(problem in p for p in validate_messages(messages))


def test_prepare_trims_adds_policy_and_raises() -> None:
    msgs = conversation([("find_user", {})])  # ends with the human's ###STOP###
    conv = prepare("t1", "toy", msgs[1:], (), "the policy", OPTS)
    assert conv.messages[0] == Message(role="system", content="the policy")
    assert conv.messages[-1].role == "assistant" and "###STOP###" not in str(conv.messages)
    with pytest.raises(InvalidRecord, match="two user messages"):
        prepare("t2", "toy", [U, U, A], (), None, OPTS)
    with pytest.raises(InvalidRecord, match="no assistant reply"):
        prepare("t3", "toy", [U], (), None, OPTS)
