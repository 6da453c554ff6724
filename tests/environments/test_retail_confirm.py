"""Retail policy: the confirmation rule (needs the conversation) and robustness of every check."""

from __future__ import annotations

from typing import Any

import pytest

from apigen.env import Environment, PolicyContext, Sandbox, replay_with_policy
from apigen.types import Message, ToolCall
from environments.retail import POLICY_CHECKS
from tests.environments.retail_helpers import auth_call, orders

ADDRESS = {"line1": "12 Oak Lane", "line2": "", "city": "Boise", "state": "ID", "zip": "83702"}


def rules(
    env: Environment, calls: list[ToolCall], messages: list[Message] | None = None
) -> list[str]:
    replay = replay_with_policy(env, calls, messages)
    assert not replay.errors, replay.errors
    return [v.rule for v in replay.violations]


# -- confirmation (needs the conversation) ------------------------------------------------


def _conversation(env: Environment, *user_turns: str) -> tuple[list[ToolCall], list[Message]]:
    order = next(orders(env.db, "pending"))
    auth = auth_call(env.db, order["user_id"]).model_copy(update={"id": "c1"})
    cancel = ToolCall(
        name="cancel_pending_order",
        arguments={"order_id": order["order_id"], "reason": "no longer needed"},
        id="c2",
    )
    messages = [
        Message(role="user", content=f"Hi, I want to cancel {order['order_id']}."),
        Message(role="assistant", tool_calls=(auth,)),
        Message(role="tool", name=auth.name, tool_call_id="c1", content=order["user_id"]),
        Message(
            role="assistant",
            content=f"I will cancel {order['order_id']} because you no longer need it. Confirm?",
        ),
        *(Message(role="user", content=turn) for turn in user_turns),
        Message(role="assistant", tool_calls=(cancel,)),
    ]
    return [auth, cancel], messages


@pytest.mark.parametrize(
    "answer",
    ["Yes, please.", "yes", "Confirm.", "Go ahead", "OK, proceed with that.", "Sure, do it."],
)
def test_confirmation_accepts_an_explicit_yes(env: Environment, answer: str) -> None:
    calls, messages = _conversation(env, answer)
    assert rules(env, calls, messages) == []


@pytest.mark.parametrize(
    "answer",
    [
        "No.",
        "Hmm, let me think about it.",
        "Wait, what will it cost?",
        "Yes... actually don't, never mind.",
    ],
)
def test_confirmation_rejects_anything_else(env: Environment, answer: str) -> None:
    calls, messages = _conversation(env, answer)
    assert rules(env, calls, messages) == ["confirm_before_write"]


def test_confirmation_is_needed_at_all(env: Environment) -> None:
    calls, messages = _conversation(env)
    messages = [m for m in messages if m.role != "user"]
    assert rules(env, calls, messages) == ["confirm_before_write"]
    assert rules(env, calls, None) == []  # a bare action list cannot be judged on this


def test_a_yes_must_answer_the_agent(env: Environment) -> None:
    calls, messages = _conversation(env, "Yes.")
    unasked = [m for m in messages if not (m.role == "assistant" and m.content)]
    assert rules(env, calls, unasked) == ["confirm_before_write"]


def test_one_agreement_covers_writes_back_to_back_not_after_the_next_turn(
    env: Environment,
) -> None:
    calls, messages = _conversation(env, "yes")
    user = env.db.users[env.db.orders[calls[1].arguments["order_id"]]["user_id"]]
    move = ToolCall(
        name="modify_user_address", arguments={"user_id": user["user_id"], **ADDRESS}, id="c3"
    )
    done = Message(role="tool", name="cancel_pending_order", tool_call_id="c2", content="{}")
    box = env.sandbox()
    for c, history in ((calls[0], messages[:1]), (calls[1], messages)):
        assert box.policy_violations(c, history) == []
        assert box.call(c).ok
    # back to back, before the user speaks again: covered by the same agreement
    back_to_back = [*messages, done, Message(role="assistant", tool_calls=(move,))]
    assert [v.rule for v in box.policy_violations(move, back_to_back) if v.sound] == []
    # after the next user turn, the agreement was used up by the cancellation
    later = [
        *messages,
        done,
        Message(role="assistant", content="Cancelled. Anything else?"),
        Message(role="user", content="Yes, please also update my address."),
        Message(role="assistant", tool_calls=(move,)),
    ]
    found = [v for v in box.policy_violations(move, later) if v.sound]
    assert [v.rule for v in found] == ["confirm_before_write"]
    assert "did not ask for confirmation" in found[0].message
    # a new request and a new yes make the next write fine
    asks = Message(role="assistant", content=f"Shall I also move {user['user_id']} to 12 Oak Lane?")
    again = [*later[:-2], asks, Message(role="user", content="Yes, update it too."), later[-1]]
    assert box.policy_violations(move, again) == []


def test_a_failed_write_does_not_use_up_the_confirmation(env: Environment) -> None:
    calls, messages = _conversation(env, "yes")
    broken = calls[1].model_copy(
        update={"id": "c9", "arguments": {**calls[1].arguments, "reason": ""}}
    )
    box = env.sandbox()
    box.call(calls[0])
    assert box.call(broken).error is not None
    history = [
        *messages[:-1],
        Message(role="assistant", tool_calls=(broken,)),
        Message(role="tool", name=broken.name, tool_call_id="c9", content="error"),
        messages[-1],
    ]
    assert box.policy_violations(calls[1], history) == []


# -- robustness -------------------------------------------------------------------------

ODD_VALUES: list[Any] = [None, 7, 1.5, True, [], ["x", 3], {}, {"a": 1}, "", "#R0000000", "nobody"]


def test_checks_never_raise_on_odd_arguments(env: Environment) -> None:
    order = next(orders(env.db, "pending"))
    box = env.sandbox()
    box.call(auth_call(env.db, order["user_id"]))
    messages = [Message(role="user", content=None), Message(role="assistant", content=None)]
    for tool in env.domain.tools:
        names = [*tool.parameters["properties"], "unexpected"]
        for value in ODD_VALUES:
            odd = ToolCall(name=tool.name, arguments=dict.fromkeys(names, value))
            for history in (None, messages):
                for check in POLICY_CHECKS:
                    list(check_context(box, odd, history, check))
    assert box.policy_violations(ToolCall(name="no_such_tool", arguments={"x": 1}), messages) == []


def check_context(box: Sandbox, odd: ToolCall, history: list[Message] | None, check: Any) -> Any:
    ctx = PolicyContext(
        db=box.db,
        call=odd,
        tool=box.domain.tool_map.get(odd.name),
        index=len(box.trace),
        history=box.trace,
        messages=tuple(history) if history is not None else None,
        tools=box.domain.tool_map,
    )
    return check(ctx)
