"""Acceptance verdicts that are code: outputs matching, state comparison, ground truth."""

from __future__ import annotations

import pytest

from apigen.env import Environment
from apigen.rollout import ground_truth, output_present
from apigen.rollout._accept import outputs_verdict, state_verdict
from apigen.rollout._truth import changed_records, irreversible
from apigen.types import Blueprint, Message, ToolCall


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("$1,234.50", "The refund is 1234.50 dollars."),
        ("1234.50", "The refund is $1,234.50."),
        ("1,234.50", "refund: 1234.50"),
        ("$38.7", "Your refund is 38.70 dollars."),
        ("38.70", "You'll get $38.7 back."),
        ("100", "A certificate of $100.00 is on its way."),
        ("  Order #W001  ", "your order #w001 is cancelled"),
        ("876", "Your new balance is $876."),
        ("1,234,567", "total 1234567."),
        ("Pending Shipment", "status: pending   shipment"),
    ],
)
def test_output_matches(expected: str, text: str) -> None:
    assert output_present(expected, text)


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        ("12", "you have 123 points"),
        ("12", "it costs 12.50"),
        ("234", "it costs 1,234"),
        ("50", "it costs 12.50"),
        ("cat", "category"),
        ("876", "your balance is 786"),
        ("", "anything"),
    ],
)
def test_output_does_not_match(expected: str, text: str) -> None:
    assert not output_present(expected, text)


def test_outputs_verdict_reads_only_the_agent() -> None:
    msgs = [
        Message(role="user", content="is it 876?"),
        Message(role="tool", content="876", name="get_account", tool_call_id="c"),
        Message(role="assistant", content="Your balance is 500."),
    ]
    v = outputs_verdict(["876", "500"], msgs)
    assert not v.passed and v.reasons == ("missing output '876'",) and v.score == 0.5


def test_state_verdict_is_order_independent_and_names_records(toy_env: Environment) -> None:
    bp = Blueprint(
        domain="toy",
        instruction="x",
        actions=(
            ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 5}),
            ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": 7}),
        ),
    )
    truth = ground_truth(toy_env, bp)
    box = toy_env.sandbox()
    box.replay(reversed(bp.actions))
    assert state_verdict(box.diff(), truth).passed
    box.call(ToolCall(name="close_account", arguments={"account_id": "a2_0"}))
    box.call(ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 1}))
    v = state_verdict(box.diff(), truth)
    assert not v.passed
    assert v.reasons == (
        "accounts/a0_0: balance 782 (expected 781)",
        'accounts/a2_0: status "closed" (expected "open")',
    )


def test_irreversible_only_for_unreachable_records(toy_env: Environment) -> None:
    bp = Blueprint(
        domain="toy",
        instruction="x",
        actions=(ToolCall(name="close_account", arguments={"account_id": "a0_0"}),),
    )
    truth = ground_truth(toy_env, bp)
    box = toy_env.sandbox()
    before = box.diff()
    box.call(ToolCall(name="close_account", arguments={"account_id": "a0_0"}))
    after = box.diff()
    assert irreversible(toy_env.domain, truth, changed_records(before, after)) == []
    box.call(ToolCall(name="close_account", arguments={"account_id": "a0_1"}))
    found = irreversible(toy_env.domain, truth, changed_records(after, box.diff()))
    assert found == ['accounts/a0_1: status "closed" (expected "open"); irreversible']
    # A deposit is always reversible by the toy's tools.
    before = box.diff()
    box.call(ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": 1}))
    changed = changed_records(before, box.diff())
    assert [(t, k) for t, k, _, _ in changed] == [("accounts", "a1_0")]
    assert irreversible(toy_env.domain, truth, changed) == []
