"""Early rejection on real conversations: it must never stop one that was rewarded.

The 50 τ²-bench airline simulations (claude-sonnet-4-5 agent, gpt-4.1 user;
tests/data/corpora, MIT, Sierra; 36 rewarded by τ²) are walked call by call as
the episode loop walks an episode: before each tool call, the airline domain's
policy checks judge it on the conversation so far and on the earlier calls with
their *recorded* results; the first sound violation is where early rejection would
have stopped. Goal: no stop on the 36 rewarded conversations.

The state the checks read is what the conversation itself showed: every user and
reservation record as a tool last returned it before the call (τ²'s records have our
airline schema's fields). So these checks are evaluated: the conversation rules
(``confirm_before_write``, ``one_call_at_a_time``, ``after_transfer``), identity
(``auth_before_access``, ``single_user``, ``own_payment_method``) and the rules that
read a user or a reservation (``baggage_allowance``, ``bags_only_added``,
``basic_economy_fixed``, ``booking_payment``, ``max_passengers``). Not evaluated:
the rules that read the flight schedule or the clock (``unflown_only``,
``cancel_eligibility``, ``same_route``, ``compensation``: τ²'s flights and its
"now" are not ours), and ``early_reject:irreversible`` / ``early_reject:budget``
(they need τ²'s whole database and the task's ground-truth final state). The
report is printed (``-s``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

import pytest

from apigen.env import DB, Environment, PolicyCheck, PolicyContext, load_environment
from apigen.env._state import Database
from apigen.types import JSON, Message, ToolError, ToolExecution, Violation
from tests.support.corpora import tau2_conversations, tau2_rewards

EVALUATED = (
    "auth_before_access",
    "single_user",
    "own_payment_method",
    "after_transfer",
    "booking_payment",
    "max_passengers",
    "baggage_allowance",
    "bags_only_added",
    "basic_economy_fixed",
    "confirm_before_write",
    "one_call_at_a_time",
)
"""Rules of the airline domain evaluated on the corpus (see the module docstring)."""


@pytest.fixture(scope="module")
def airline() -> Environment:
    return load_environment("airline", 0, 1)


def _rule_id(check: PolicyCheck) -> str:
    name = getattr(check, "id", None) or getattr(check, "__name__", "")
    return str(name).removeprefix("check_")


def _checks(env: Environment) -> list[PolicyCheck]:
    checks = [c for c in env.domain.policy_checks if _rule_id(c) in EVALUATED]
    assert sorted(_rule_id(c) for c in checks) == sorted(EVALUATED)
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


def _shown(history: Sequence[ToolExecution]) -> DB:
    """The users and reservations as the tools last returned them (flights: none)."""
    tables: dict[str, dict[str, Any]] = {"users": {}, "reservations": {}, "flights": {}}
    for e in history:
        record = e.output
        if isinstance(record, dict) and isinstance(record.get("reservation_id"), str):
            tables["reservations"][record["reservation_id"]] = record
        elif isinstance(record, dict) and "payment_methods" in record and "user_id" in record:
            tables["users"][str(record["user_id"])] = record
    return DB(Database(tables), (), writable=False)


def first_stop(
    env: Environment, messages: Sequence[Message], rules: Collection[str] = EVALUATED
) -> Violation | None:
    """The first sound violation of the checks named in ``rules``, walked as the
    episode loop would (the messages up to each call, earlier calls with results,
    the records they showed)."""
    checks = [c for c in _checks(env) if _rule_id(c) in rules]
    history: list[ToolExecution] = []
    for i, msg in enumerate(messages):
        if msg.role != "assistant":
            continue
        for j, call in enumerate(msg.tool_calls):
            ctx = PolicyContext(
                db=_shown(history),
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


SHARED = (
    "single_user",
    "own_payment_method",
    "after_transfer",
    "max_passengers",
    "baggage_allowance",
    "bags_only_added",
    "confirm_before_write",
)
"""Evaluated rules τ²'s airline policy states as ours does and its reward can see (one
user's records, payment methods already in the profile, the hand-off ends the agent's
part, five passengers, the free-bag table, bags added never removed, explicit
confirmation). ``one_call_at_a_time`` is stated alike too, but τ²'s reward never
looks at it: the test explains its stops instead."""


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


def _cabin_change_only(env: Environment, messages: Sequence[Message]) -> bool:
    """The first ``basic_economy_fixed`` stop keeps the reservation's flights as the
    tools showed them: a cabin change only."""
    stop = first_stop(env, messages, ("basic_economy_fixed",))
    assert stop is not None and stop.call_index is not None
    calls = [c for m in messages for c in m.tool_calls]
    history = [_execution(env, messages, n) for n in range(stop.call_index)]
    reservation = _shown(history).reservations[calls[stop.call_index].arguments["reservation_id"]]
    legs = [(f["flight_number"], f["date"]) for f in calls[stop.call_index].arguments["flights"]]
    return legs == [(f["flight_number"], f["date"]) for f in reservation["flights"]]


def test_no_early_rejection_on_the_rewarded_tau2_conversations(
    airline: Environment, capsys: pytest.CaptureFixture[str]
) -> None:
    conversations = dict(tau2_conversations())
    rewards = tau2_rewards()
    assert len(conversations) == 50 and sum(r == 1.0 for r in rewards.values()) == 36
    rewarded = [s for s in conversations if rewards[s] == 1.0]
    stops = {s: first_stop(airline, conversations[s]) for s in conversations}
    by_rule = {
        rule: [s for s in rewarded if first_stop(airline, conversations[s], (rule,))]
        for rule in EVALUATED
    }
    shared = [s for s in rewarded if first_stop(airline, conversations[s], SHARED)]
    calls = sum(len(m.tool_calls) for ms in conversations.values() for m in ms)
    first = Counter(stops[s].rule for s in rewarded if stops[s] is not None)  # type: ignore[union-attr]
    lines = [
        f"early rejection walked over 50 τ²-bench airline conversations ({calls} tool calls)",
        f"  stops on the {len(rewarded)} rewarded, rules τ²'s policy states alike and rewards "
        f"({', '.join(SHARED)}): {len(shared)} (goal 0)",
        f"  stops on the rewarded, every evaluated rule of our airline domain: "
        f"{sum(v is not None for s, v in stops.items() if s in rewarded)} "
        f"(first stop by rule: {dict(first)})",
        *(f"    {rule} alone: {len(sims)}" for rule, sims in by_rule.items()),
        "    auth_before_access: the agent read the reservation the user named before "
        "get_user_details; our airline policy asks for the lookup first, τ²'s does not",
        "    one_call_at_a_time: a write made in a message with another call; τ²'s policy "
        "forbids it too ('only make one tool call at a time'), its reward does not check it",
        "    basic_economy_fixed: a basic-economy reservation moved to economy on the same "
        "flights; our airline policy forbids a cabin change too, τ²'s allows it",
        f"  stops on the {50 - len(rewarded)} unrewarded: "
        f"{sum(v is not None for s, v in stops.items() if s not in rewarded)}",
        "  not evaluated: unflown_only, cancel_eligibility, same_route, compensation (τ²'s "
        "flights and clock are not ours), early_reject:irreversible and :budget (τ²'s "
        "database and the ground-truth final state are not in the corpus)",
    ]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert shared == []
    explained = ("auth_before_access", "one_call_at_a_time", "basic_economy_fixed")
    assert all(not by_rule[r] for r in EVALUATED if r not in explained)
    assert all(_reads_before_lookup(conversations[s]) for s in by_rule["auth_before_access"])
    assert all(
        _two_calls_with_a_write(airline, conversations[s]) for s in by_rule["one_call_at_a_time"]
    )
    assert all(
        _cabin_change_only(airline, conversations[s]) for s in by_rule["basic_economy_fixed"]
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
