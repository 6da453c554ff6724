"""Early rejection on real conversations: it must never stop one that was rewarded.

The 50 τ²-bench airline simulations (claude-sonnet-4-5 agent, gpt-4.1 user;
tests/data/corpora, MIT, Sierra; 36 rewarded by τ²) are walked call by call as
the episode loop walks an episode: before each tool call, the airline domain's
policy checks judge it on the conversation so far and on the earlier calls with
their *recorded* results; the first sound violation is where early rejection would
have stopped. Goal: no stop on the 36 rewarded conversations.

What can be evaluated honestly: the checks that read only the conversation, the
call and the earlier calls' results — ``auth_before_access``, ``single_user`` (on
``user_id`` arguments: no reservation id of the corpus exists in our airline world,
so its owner lookup never answers), ``after_transfer``, ``booking_payment``,
``max_passengers``, ``confirm_before_write``, ``one_call_at_a_time``. What cannot:
the checks and rules that read the state (cancellation eligibility, bags, route,
compensation amounts, own payment methods, ``early_reject:irreversible`` and
``early_reject:budget``), because τ²'s database is not in the corpus and our airline
world holds other users and reservations. The report is printed (``-s``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Sequence

import pytest

from apigen.env import Environment, PolicyCheck, PolicyContext, load_environment
from apigen.types import JSON, Message, ToolError, ToolExecution, Violation
from tests.support.corpora import tau2_conversations, tau2_rewards

STATELESS = (
    "auth_before_access",
    "single_user",
    "after_transfer",
    "booking_payment",
    "max_passengers",
    "confirm_before_write",
    "one_call_at_a_time",
)
"""Rules of the airline domain that read no state (see the module docstring)."""


@pytest.fixture(scope="module")
def airline() -> Environment:
    return load_environment("airline", 0, 1)


def _rule_id(check: PolicyCheck) -> str:
    name = getattr(check, "id", None) or getattr(check, "__name__", "")
    return str(name).removeprefix("check_")


def _checks(env: Environment) -> list[PolicyCheck]:
    checks = [c for c in env.domain.policy_checks if _rule_id(c) in STATELESS]
    assert sorted(_rule_id(c) for c in checks) == sorted(STATELESS)
    return checks


def _execution(env: Environment, messages: Sequence[Message], index: int) -> ToolExecution:
    """The recorded result of call ``index`` of the conversation's calls."""
    calls = [c for m in messages for c in m.tool_calls]
    call = calls[index]
    answer = next(m for m in messages if m.role == "tool" and m.tool_call_id == call.id)
    text = answer.content or ""
    tool = env.domain.tool_map[call.name]
    if text.startswith("Error"):
        error = ToolError(kind="tool_error", message=text)
        return ToolExecution(call=call, error=error, write=tool.kind == "write")
    try:
        output: JSON = json.loads(text)
    except ValueError:
        output = text
    return ToolExecution(call=call, output=output, write=tool.kind == "write", changed=True)


def first_stop(
    env: Environment, messages: Sequence[Message], rules: Collection[str] = STATELESS
) -> Violation | None:
    """The first sound violation of the stateless checks named in ``rules``, walked as
    the episode loop would (the messages up to each call, earlier calls with results)."""
    checks = [c for c in _checks(env) if _rule_id(c) in rules]
    history: list[ToolExecution] = []
    for i, msg in enumerate(messages):
        if msg.role != "assistant":
            continue
        for j, call in enumerate(msg.tool_calls):
            ctx = PolicyContext(
                db=env.db,
                call=call,
                tool=env.domain.tool_map.get(call.name),
                index=len(history),
                history=tuple(history),
                messages=tuple(messages[: i + 1 + j]),
                tools=env.domain.tool_map,
            )
            sound = [v for check in checks for v in check(ctx) if v.sound]
            if sound:
                return sound[0]
            history.append(_execution(env, messages, len(history)))
    return None


SHARED = ("single_user", "after_transfer", "max_passengers", "confirm_before_write")
"""Stateless rules τ²'s airline policy states as ours does (one user's reservations,
the hand-off ends the agent's part, five passengers, explicit confirmation)."""


def _reads_before_lookup(messages: Sequence[Message]) -> bool:
    """The agent read user data before its first ``get_user_details`` call."""
    for m in messages:
        for c in m.tool_calls:
            if c.name == "get_user_details":
                return False
            if c.name == "get_reservation_details":
                return True
    return False


def _two_calls_with_a_write(env: Environment, messages: Sequence[Message]) -> bool:
    return any(
        len(m.tool_calls) > 1
        and any(env.domain.tool_map[c.name].kind == "write" for c in m.tool_calls)
        for m in messages
    )


def test_no_early_rejection_on_the_rewarded_tau2_conversations(
    airline: Environment, capsys: pytest.CaptureFixture[str]
) -> None:
    conversations = dict(tau2_conversations())
    rewards = tau2_rewards()
    assert len(conversations) == 50 and sum(r == 1.0 for r in rewards.values()) == 36
    reservations = {
        c.arguments["reservation_id"]
        for messages in conversations.values()
        for m in messages
        for c in m.tool_calls
        if isinstance(c.arguments.get("reservation_id"), str)
    }
    assert not reservations & set(airline.db.reservations), "single_user would read our world"
    rewarded = [s for s in conversations if rewards[s] == 1.0]
    stops = {s: first_stop(airline, conversations[s]) for s in conversations}
    by_rule = {
        rule: [s for s in rewarded if first_stop(airline, conversations[s], (rule,))]
        for rule in STATELESS
    }
    shared = [s for s in rewarded if first_stop(airline, conversations[s], SHARED)]
    calls = sum(len(m.tool_calls) for ms in conversations.values() for m in ms)
    first = Counter(stops[s].rule for s in rewarded if stops[s] is not None)  # type: ignore[union-attr]
    lines = [
        f"early rejection walked over 50 τ²-bench airline conversations ({calls} tool calls)",
        f"  stops on the {len(rewarded)} rewarded, rules τ²'s policy states alike "
        f"({', '.join(SHARED)}): {len(shared)} (goal 0)",
        f"  stops on the rewarded, every stateless rule of our airline domain: "
        f"{sum(v is not None for s, v in stops.items() if s in rewarded)} "
        f"(first stop by rule: {dict(first)})",
        *(f"    {rule} alone: {len(sims)}" for rule, sims in by_rule.items()),
        "    auth_before_access: the agent read the reservation the user named before "
        "get_user_details; our airline policy asks for the lookup first, τ²'s does not",
        "    one_call_at_a_time: a write made in a message with another call; τ²'s policy "
        "forbids it too ('only make one tool call at a time'), its reward does not check it",
        f"  stops on the {50 - len(rewarded)} unrewarded: "
        f"{sum(v is not None for s, v in stops.items() if s not in rewarded)}",
        "  not evaluated (they read τ²'s database, which the corpus lacks): the state-based "
        "airline checks, early_reject:irreversible, early_reject:budget",
    ]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert shared == []
    assert all(
        not by_rule[r] for r in STATELESS if r not in ("auth_before_access", "one_call_at_a_time")
    )
    assert all(_reads_before_lookup(conversations[s]) for s in by_rule["auth_before_access"])
    assert all(
        _two_calls_with_a_write(airline, conversations[s]) for s in by_rule["one_call_at_a_time"]
    )


def test_a_write_without_agreement_is_stopped(airline: Environment) -> None:
    """The walk stops where the episode loop would: the rewarded conversations' first
    confirmed write, with the user's agreement turned into a refusal, is stopped."""
    rewards = tau2_rewards()
    confirm = {t.name for t in airline.domain.tools if t.confirm}
    stopped = 0
    for sim, messages in tau2_conversations():
        at = next(
            (i for i, m in enumerate(messages) for c in m.tool_calls if c.name in confirm), None
        )
        if rewards[sim] != 1.0 or at is None:
            continue
        agreement = max(j for j in range(at) if messages[j].role == "user")
        refused = list(messages)
        refused[agreement] = Message(role="user", content="No, don't do that.")
        stop = first_stop(airline, refused)
        stopped += stop is not None and stop.rule == "confirm_before_write"
    assert stopped >= 1
