"""The stage-1 code checks any model gets: null solution, grounding, outputs.

The null-solution gate is tried on tasks the initial state already satisfies, on
writes that undo each other, and on information tasks an agent could answer without
a tool call.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import pytest

from apigen.blueprints import get_stage
from apigen.blueprints._checks import (
    check_format,
    check_grounding,
    check_null_solution,
    check_outputs,
)
from apigen.blueprints._stages import StageInput
from apigen.env import DB, Domain, Entity, Environment, get_domain, replay_with_policy, tool
from apigen.types import Blueprint, StageOutcome, ToolCall
from tests.support.ledger import OPEN_DOMAIN

SwitchId = Annotated[str, Entity("switch_id")]


class Switch(TypedDict):
    switch_id: SwitchId
    state: str


@tool("read")
def get_switch(db: DB, switch_id: SwitchId) -> Switch:
    """Read a switch.

    Args:
        switch_id: The switch, e.g. 's1'.
    """
    return db.switches[switch_id]  # type: ignore[no-any-return]


@tool("write")
def set_switch(db: DB, switch_id: SwitchId, state: str) -> Switch:
    """Set a switch to 'on' or 'off' (setting the state it has is allowed).

    Args:
        switch_id: The switch.
        state: 'on' or 'off'.
    """
    switch = db.switches.edit(switch_id)
    switch["state"] = state
    db.switches[switch_id] = switch
    return switch  # type: ignore[return-value]


class Switches(Domain):
    name = "switches"
    description = "Light switches."
    tools = (get_switch, set_switch)
    policy = "Set switches as asked."
    allows_information_only = True

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        return {"switches": {"s1": {"switch_id": "s1", "state": "on"}}}


SWITCHES = Switches()


def bp(domain: str, instruction: str, actions: list[ToolCall], outputs: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return Blueprint(
        domain=domain, instruction=instruction, actions=tuple(actions), outputs=outputs
    )


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def null(env: Environment, blueprint: Blueprint) -> StageOutcome:
    return check_null_solution(blueprint, replay_with_policy(env, blueprint.actions), env.domain)


@pytest.fixture(scope="module")
def switches() -> Environment:
    return SWITCHES.load()


@pytest.fixture(scope="module")
def ledger() -> Environment:
    return OPEN_DOMAIN.load(seed=0)


def test_a_task_the_initial_state_already_satisfies_is_rejected(switches: Environment) -> None:
    task = bp(
        "switches",
        "You are at home and you want switch s1 turned on before your guests arrive.",
        [call("get_switch", switch_id="s1"), call("set_switch", switch_id="s1", state="on")],
    )
    outcome = null(switches, task)
    assert not outcome.passed
    assert "leave the state as it was" in outcome.reasons[0]
    real = bp("switches", task.instruction.replace("on before", "off before"),
              [call("set_switch", switch_id="s1", state="off")])  # fmt: skip
    assert null(switches, real).passed


def test_writes_that_undo_each_other_are_rejected(ledger: Environment) -> None:
    a1, a2 = ledger.db.accounts["A1"], ledger.db.accounts["A2"]
    assert a1["balance"] >= 40 and a2["balance"] >= 0
    there_and_back = bp(
        "open_ledger",
        "You want to send 40 dollars from account A1 to account A2, and then have the "
        "40 dollars sent back from account A2 to account A1.",
        [
            call("transfer_money", from_account="A1", to_account="A2", amount=40),
            call("transfer_money", from_account="A2", to_account="A1", amount=40),
        ],
    )
    replay = replay_with_policy(ledger, there_and_back.actions)
    assert all(e.changed for e in replay.trace)  # each write changed something...
    outcome = check_null_solution(there_and_back, replay, ledger.domain)
    assert not outcome.passed and "transfer_money" in outcome.reasons[0]  # ...the task did not


def test_information_tasks_need_an_answer_only_a_tool_gives(switches: Environment) -> None:
    ask = "You want to know the current state of switch s1."
    read = [call("get_switch", switch_id="s1")]
    assert null(switches, bp("switches", ask, read, ("on",))).passed
    both = "You want to know whether switch s1 is on or off."  # an agent echoing "on" passes
    assert not null(switches, bp("switches", both, read, ("on",))).passed
    assert check_format(bp("switches", ask, read, ("on",)), switches).passed
    said = bp("switches", "You know switch s1 is on; you want it confirmed.", read, ("on",))
    assert not null(switches, said).passed  # an agent repeating the human passes
    silent = bp("switches", ask, read)
    assert not check_format(silent, switches).passed  # nothing to report, nothing to do
    assert not null(switches, silent).passed
    strict = get_domain("toy").load()
    no_write = bp(
        "toy", "You want to know your user id.", [call("find_user", email="x@y.z")], ("12",)
    )
    assert "no write action" in check_format(no_write, strict).reasons[0]


def test_grounding_accepts_ids_from_earlier_outputs_and_rejects_invented_ones() -> None:
    retail = get_domain("retail").load(seed=0)
    user = next(iter(retail.db.users.values()))
    order_id = user["orders"][0]
    auth = call("find_user_id_by_email", email=user["email"])
    details = call("get_user_details", user_id=user["user_id"])
    cancel = call("cancel_pending_order", order_id=order_id, reason="no longer needed")
    asked = (
        f"You are a busy parent. Your email is {user['email']}. You want to cancel your most "
        "recent order because you no longer need it."
    )
    grounded = bp("retail", asked, [auth, details, cancel])
    outcome = check_grounding(grounded, replay_with_policy(retail, grounded.actions), retail.domain)
    assert outcome.passed, outcome.reasons  # the order id came back from get_user_details
    skipped = bp("retail", asked, [auth, cancel])
    outcome = check_grounding(skipped, replay_with_policy(retail, skipped.actions), retail.domain)
    assert not outcome.passed and order_id in outcome.reasons[0]
    leaky = bp("retail", asked + " Use cancel_pending_order for it.", [auth, details, cancel])
    outcome = check_grounding(leaky, replay_with_policy(retail, leaky.actions), retail.domain)
    assert outcome.reasons == ("the instruction names tools: cancel_pending_order",)


def test_free_text_needs_no_grounding(ledger: Environment) -> None:
    note = bp(
        "open_ledger",
        "You want a note on account A3 saying you phoned about a missing transfer.",
        [call("add_note", account_id="A3", note="Customer phoned about a missing transfer.")],
    )
    assert check_grounding(note, replay_with_policy(ledger, note.actions), ledger.domain).passed


def test_outputs_must_follow_from_the_tool_outputs(ledger: Environment) -> None:
    balance = ledger.db.accounts["A4"]["balance"]
    read = [call("get_account", account_id="A4")]
    ask = "You want to know how much money is in account A4."
    for said in (f"${balance:,.2f}", f"{balance} dollars", str(balance)):
        assert check_outputs(bp("open_ledger", ask, read, (said,)), replay_with_policy(
            ledger, read)).passed, said  # fmt: skip
    wrong = check_outputs(bp("open_ledger", ask, read, (f"${balance + 7}",)),
                          replay_with_policy(ledger, read))  # fmt: skip
    assert not wrong.passed and "does not follow" in wrong.reasons[0]


def test_the_stages_are_registered_under_their_names(switches: Environment) -> None:
    task = bp("switches", "You want switch s1 turned on.", [call("set_switch", switch_id="s1",
              state="on")])  # fmt: skip
    ctx: Any = type("Ctx", (), {"env": switches})()
    inp = StageInput(
        blueprint=task, context=ctx, client=None, config=None, templates=None,  # type: ignore[arg-type]
        tally=None, round=0, feedback=[], known=(), reviewers=(), variables={}, sim={},  # type: ignore[arg-type]
    )  # fmt: skip
    outcome = get_stage("null_solution").run(inp)
    assert isinstance(outcome, StageOutcome) and not outcome.passed
    assert not asyncio.iscoroutine(outcome)
