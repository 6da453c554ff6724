"""Declared comparison: text, numbers, optional arguments; the same rule for the state
verdict and irreversibility (early rejection)."""

from __future__ import annotations

import pytest

from apigen.env import (
    CONFORMANCE_CHECKS,
    Comparison,
    ConformanceError,
    get_domain,
    load_environment,
    same_number,
    same_text,
)
from apigen.rollout._truth import GroundTruth, irreversible

CMP = Comparison(
    {
        "orders": {"cancel_reason": "text", "refund": "number"},
        "transfers": {"user_id": ("optional", "text")},
    }
)


def test_value_rules() -> None:
    assert same_text("Ordered  by Mistake ", "ordered by mistake")
    assert not same_text("ordered by mistake", "no longer needed")
    assert same_number(38.7, "38.70") and same_number("$1,054.20", 1054.2)
    assert not same_number(38.7, 38.71) and not same_number("n/a", 38.7)


def test_records_compare_field_by_field_as_declared() -> None:
    want = {"status": "cancelled", "cancel_reason": "ordered by mistake", "refund": 38.7}
    got = {"status": "cancelled", "cancel_reason": "Ordered by mistake", "refund": "38.70"}
    assert CMP.same("orders", got, want)
    assert CMP.differing("orders", {**got, "status": "Cancelled"}, want) == ["status"]
    assert not CMP.same("orders", got, None) and CMP.same("orders", None, None)
    # an optional argument left out matches; a different value does not
    assert CMP.same("transfers", {"user_id": None}, {"user_id": "u1"})
    assert not CMP.same("transfers", {"user_id": "u2"}, {"user_id": "u1"})
    assert not Comparison().same("orders", got, want)  # undeclared: exact


def test_early_rejection_uses_the_same_comparison() -> None:
    env = load_environment("retail", 0, 1)
    order = next(o for o in env.db.orders.values() if o["status"] == "pending")
    want = {**order, "status": "cancelled", "cancel_reason": "ordered by mistake"}
    got = {**want, "cancel_reason": "Ordered by mistake"}
    key = str(order["order_id"])
    truth = GroundTruth({"orders": {key: {"before": dict(order), "after": want}}})
    assert irreversible(env.domain, truth, [("orders", key, dict(order), got)]) == []
    other = {**want, "cancel_reason": "no longer needed"}
    (reason,) = irreversible(env.domain, truth, [("orders", key, dict(order), other)])
    assert "cancel_reason" in reason and reason.endswith("irreversible")
    # the hand-off made without the optional user_id the ground truth set
    transfer = {"transfer_id": "TR00001", "user_id": "u1", "status": "queued"}
    truth = GroundTruth({"transfers": {"TR00001": {"before": None, "after": transfer}}})
    left_out = {**transfer, "user_id": None}
    assert irreversible(env.domain, truth, [("transfers", "TR00001", None, left_out)]) == []


def test_conformance_checks_the_declared_comparison() -> None:
    retail = get_domain("retail")
    CONFORMANCE_CHECKS["comparison"](retail)

    class Typo(type(retail)):  # type: ignore[misc]
        comparison = Comparison({"order": {"cancel_reason": "text"}})

    with pytest.raises(ConformanceError, match="table 'order'"):
        CONFORMANCE_CHECKS["comparison"](Typo())
