"""Retail write tools: the change each makes, and the integrity failures a backend enforces."""

from __future__ import annotations

from typing import Any

from apigen.env import DB, Environment
from environments.retail._common import cents
from tests.environments.retail_helpers import method_of, orders, other_variant, run

ADDRESS = {"line1": "12 Oak Lane", "line2": "", "city": "Boise", "state": "ID", "zip": "83702"}


def _with_gift_card(db: DB, status: str) -> Any:
    return next(orders(db, status, lambda o: method_of(db, o["user_id"], "gift_card") is not None))


def test_cancel_refunds_and_cannot_cancel_twice(env: Environment) -> None:
    order = next(orders(env.db, "pending", lambda o: o["payment_method_id"].startswith("gift")))
    pm = order["payment_method_id"]
    before = cents(env.db.payment_methods[pm]["balance"])
    box = env.sandbox()
    done = run(box, "cancel_pending_order", order_id=order["order_id"], reason="no longer needed")
    assert done.ok and done.changed and done.output["status"] == "cancelled"
    refund = done.output["payment_history"][-1]
    assert refund["type"] == "refund" and refund["payment_method_id"] == pm
    assert cents(box.db.payment_methods[pm]["balance"]) == before + cents(refund["amount"])
    again = run(box, "cancel_pending_order", order_id=order["order_id"], reason="no longer needed")
    assert again.error is not None and "cancelled" in again.error.message
    blank = run(env.sandbox(), "cancel_pending_order", order_id=order["order_id"], reason=" ")
    assert blank.error is not None and "reason" in blank.error.message


def test_modify_order_address_validates_the_address(env: Environment) -> None:
    order = next(orders(env.db, "pending"))
    box = env.sandbox()
    done = run(box, "modify_pending_order_address", order_id=order["order_id"], **ADDRESS)
    assert done.ok and box.db.orders[order["order_id"]]["address"] == {**ADDRESS, "country": "USA"}
    bad = run(
        box,
        "modify_pending_order_address",
        order_id=order["order_id"],
        **{**ADDRESS, "zip": "8370"},
    )
    assert "zip" in bad.error.message
    cancelled = next(orders(env.db, "cancelled"))
    refused = run(box, "modify_pending_order_address", order_id=cancelled["order_id"], **ADDRESS)
    assert "cancelled" in refused.error.message


def test_modify_user_address(env: Environment) -> None:
    user = next(iter(env.db.users.values()))
    box = env.sandbox()
    done = run(box, "modify_user_address", user_id=user["user_id"], **ADDRESS)
    assert done.ok and done.output["address"]["city"] == "Boise"
    assert list(box.diff()) == ["users"]
    bad = run(box, "modify_user_address", user_id=user["user_id"], **{**ADDRESS, "state": "Idaho"})
    assert "state" in bad.error.message


def _swappable(db: DB, status: str) -> tuple[Any, Any, str]:
    for order in orders(db, status):
        for item in order["items"]:
            new = other_variant(db, item)
            if new is not None:
                return order, item, new
    raise AssertionError("no swappable item")


def test_modify_items_swaps_and_settles_the_difference(env: Environment) -> None:
    order, item, new = _swappable(env.db, "pending")
    pm = order["payment_method_id"]
    box = env.sandbox()
    done = run(
        box,
        "modify_pending_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new],
        payment_method_id=pm,
    )
    assert done.ok and done.output["items_modified"] is True
    assert new in [i["item_id"] for i in done.output["items"]]
    diff = cents(env.db.products[item["product_id"]]["variants"][new]["price"]) - cents(
        item["price"]
    )
    if diff:
        tx = done.output["payment_history"][-1]
        assert tx["type"] == ("payment" if diff > 0 else "refund") and cents(tx["amount"]) == abs(
            diff
        )


def test_modify_items_integrity_failures(env: Environment) -> None:
    order, item, new = _swappable(env.db, "pending")
    oid, pm, iid = order["order_id"], order["payment_method_id"], item["item_id"]
    box = env.sandbox()

    def attempt(**changes: Any) -> str:
        args = {"order_id": oid, "item_ids": [iid], "new_item_ids": [new], "payment_method_id": pm}
        result = run(box, "modify_pending_order_items", **{**args, **changes})
        assert result.error is not None
        return result.error.message

    assert "one new item per item" in attempt(new_item_ids=[new, new])
    assert "not in order" in attempt(item_ids=["0000000000"])
    assert "same as the current" in attempt(new_item_ids=[iid])
    assert "more than once" in attempt(item_ids=[iid, iid], new_item_ids=[new, new])
    assert "not found in the catalogue" in attempt(new_item_ids=["0000000000"])
    assert "payment method" in attempt(payment_method_id="card_0000000")
    gone = other_variant(env.db, item, available=False)
    if gone is not None:
        assert "out of stock" in attempt(new_item_ids=[gone])
    assert box.diff() == {}


def test_gift_card_must_cover_a_charge(env: Environment) -> None:
    for order in orders(env.db, "pending"):
        gift = method_of(env.db, order["user_id"], "gift_card")
        if gift is None or order["payment_method_id"] == gift:
            continue
        balance = cents(env.db.payment_methods[gift]["balance"])
        total = sum(cents(i["price"]) for i in order["items"])
        if total > balance:
            break
    else:
        raise AssertionError("no order dearer than its owner's gift card")
    box = env.sandbox()
    result = run(
        box, "modify_pending_order_payment", order_id=order["order_id"], payment_method_id=gift
    )
    assert result.error is not None and "does not cover" in result.error.message


def test_modify_payment_moves_the_charge(env: Environment) -> None:
    order = next(
        orders(
            env.db, "pending", lambda o: len(env.db.users[o["user_id"]]["payment_method_ids"]) > 1
        )
    )
    old = order["payment_method_id"]
    new = next(
        pm
        for pm in env.db.users[order["user_id"]]["payment_method_ids"]
        if pm != old and env.db.payment_methods[pm]["kind"] != "gift_card"
    )
    box = env.sandbox()
    done = run(
        box, "modify_pending_order_payment", order_id=order["order_id"], payment_method_id=new
    )
    assert done.ok and done.output["payment_method_id"] == new
    charge, refund = done.output["payment_history"][-2:]
    assert (charge["type"], charge["payment_method_id"]) == ("payment", new)
    assert (refund["type"], refund["payment_method_id"]) == ("refund", old)
    assert charge["amount"] == refund["amount"]
    same = run(
        box, "modify_pending_order_payment", order_id=order["order_id"], payment_method_id=new
    )
    assert "already paid" in same.error.message


def test_return_refunds_the_items_once(env: Environment) -> None:
    order = next(orders(env.db, "delivered", lambda o: len(o["items"]) >= 2))
    first, second = order["items"][:2]
    box = env.sandbox()
    args = {"order_id": order["order_id"], "payment_method_id": order["payment_method_id"]}
    done = run(box, "return_delivered_order_items", item_ids=[first["item_id"]], **args)
    assert done.ok and done.output["status"] == "return requested"
    assert done.output["returns"][-1]["refund"] == first["price"]
    again = run(box, "return_delivered_order_items", item_ids=[first["item_id"]], **args)
    assert "already returned" in again.error.message
    assert (
        "not in order"
        in run(box, "return_delivered_order_items", item_ids=["1"], **args).error.message
    )
    assert (
        "at least one"
        in run(box, "return_delivered_order_items", item_ids=[], **args).error.message
    )
    # the second item can still be returned at the tool level (policy judges the status)
    assert run(box, "return_delivered_order_items", item_ids=[second["item_id"]], **args).ok


def test_exchange_records_the_new_items(env: Environment) -> None:
    order, item, new = _swappable(env.db, "delivered")
    box = env.sandbox()
    done = run(
        box,
        "exchange_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new],
        payment_method_id=order["payment_method_id"],
    )
    assert done.ok and done.output["status"] == "exchange requested"
    record = done.output["exchanges"][-1]
    assert record["new_item_ids"] == [new]
    expected = env.db.products[item["product_id"]]["variants"][new]["price"] - item["price"]
    assert abs(record["price_difference"] - expected) < 0.005


def test_transfer_is_recorded(env: Environment) -> None:
    user = next(iter(env.db.users.values()))
    box = env.sandbox()
    done = run(
        box, "transfer_to_human_agents", summary="wants a new email", user_id=user["user_id"]
    )
    assert done.ok and done.changed and done.output["transfer_id"] == "TR00001"
    assert box.db.transfers["TR00001"]["user_id"] == user["user_id"]
    assert run(box, "transfer_to_human_agents", summary="x").output["transfer_id"] == "TR00002"
    assert (
        "not found"
        in run(box, "transfer_to_human_agents", summary="x", user_id="nobody").error.message
    )
    assert "summary" in run(box, "transfer_to_human_agents", summary="  ").error.message


def test_a_failed_write_leaves_the_state_unchanged(env: Environment) -> None:
    order = _with_gift_card(env.db, "delivered")
    box = env.sandbox()
    result = run(
        box,
        "return_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[order["items"][0]["item_id"], "bogus"],
        payment_method_id=order["payment_method_id"],
    )
    assert result.error is not None and box.diff() == {}
