"""Message conversion and tool-call parsing."""

from __future__ import annotations

from apigen.llm._messages import from_openai_message, to_openai_messages
from apigen.types import Message, ToolCall

TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


def test_records_become_openai_dicts() -> None:
    messages = [
        Message(role="user", content="hi"),
        Message(
            role="assistant",
            content=None,
            tool_calls=(ToolCall(name="f", arguments={"x": "é"}, id="c9"), ToolCall(name="f")),
            reasoning="private",
        ),
        Message(role="tool", content="1", tool_call_id="c9", name="f"),
    ]
    wire = to_openai_messages(messages)
    assert wire[0] == {"role": "user", "content": "hi"}
    calls = wire[1]["tool_calls"]
    assert calls[0] == {
        "id": "c9",
        "type": "function",
        "function": {"name": "f", "arguments": '{"x": "é"}'},
    }
    assert calls[1]["id"] == "call_1_1"  # records without ids get stable ones
    assert "reasoning" not in wire[1] and "reasoning_content" not in wire[1]
    assert wire[2] == {"role": "tool", "content": "1", "tool_call_id": "c9"}


def test_plain_dicts_pass_through() -> None:
    raw = {"role": "user", "content": "x", "cache_control": {"type": "ephemeral"}}
    assert to_openai_messages([raw]) == [raw]


def test_openai_message_round_trip() -> None:
    original = Message(
        role="assistant",
        content="ok",
        tool_calls=(ToolCall(name="f", arguments={"a": 1}, id="c1"),),
    )
    (wire,) = to_openai_messages([original])
    back, errors = from_openai_message(wire, tools=TOOLS)
    assert back == original and errors == ()


def _call(cid: str, name: str, arguments: object) -> dict[str, object]:
    return {"id": cid, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_bad_arguments_and_unknown_tools_are_errors_not_exceptions() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "reasoning_content": "hmm",
        "tool_calls": [
            _call("c1", "f", "not json"),
            _call("c2", "f", "[1, 2]"),
            _call("c3", "g", "{}"),
            _call("c4", "f", ""),
            _call("c5", "f", {"already": "parsed"}),
        ],
    }
    result, errors = from_openai_message(message, tools=TOOLS)
    assert [(e.call_id, e.kind) for e in errors] == [
        ("c1", "invalid_json"),
        ("c2", "invalid_json"),
        ("c3", "unknown_tool"),
    ]
    assert errors[0].raw == "not json" and "not valid JSON" in errors[0].message
    assert "JSON object" in errors[1].message
    assert "available: f" in errors[2].message
    assert result.tool_calls == (
        ToolCall(name="f", arguments={}, id="c4"),
        ToolCall(name="f", arguments={"already": "parsed"}, id="c5"),
    )
    assert result.reasoning == "hmm"


def test_without_tools_every_call_is_unknown() -> None:
    _, errors = from_openai_message({"role": "assistant", "tool_calls": [_call("c", "f", "{}")]})
    assert [e.kind for e in errors] == ["unknown_tool"]
