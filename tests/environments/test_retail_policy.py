"""Retail policy checks: each rule fires on a violating trace and not on a compliant one."""

from __future__ import annotations

from typing import Any

import pytest

from apigen.env import DB, Environment, replay_with_policy
from apigen.types import Message, ToolCall
from tests.environments.retail_helpers import auth_call, call, method_of, orders, other_variant

ADDRESS = {"line1": "12 Oak Lane", "line2": "", "city": "Boise", "state": "ID", "zip": "83702"}


def rules(
    env: Environment, calls: list[ToolCall], messages: list[Message] | None = None
) -> list[str]:
    replay = replay_with_policy(env, calls, messages)
    assert not replay.errors, replay.errors
    return [v.rule for v in replay.violations]


def _order(db: DB, status: str) -> Any:
    return next(orders(db, status))


def test_auth_before_access(env: Environment) -> None:
    order = _order(env.db, "pending")
    read = call("get_order_details", order_id=order["order_id"])
    assert rules(env, [read]) == ["auth_before_access"]
    assert rules(env, [auth_call(env.db, order["user_id"]), read]) == []
    assert rules(env, [call("list_product_types"), call("calculate", expression="1+1")]) == []


def test_single_user(env: Environment) -> None:
    mine, theirs = _order(env.db, "pending"), _order(env.db, "delivered")
    assert mine["user_id"] != theirs["user_id"]
    auth = auth_call(env.db, mine["user_id"])
    other = theirs["user_id"]
    assert rules(env, [auth, call("get_user_details", user_id=other)]) == ["single_user"]
    assert rules(env, [auth, call("get_order_details", order_id=theirs["order_id"])]) == [
        "single_user"
    ]
    assert rules(env, [auth, auth_call(env.db, other)]) == ["single_user"]
    user = env.db.users[other]
    by_name = call(
        "find_user_id_by_name_zip",
        first_name=user["first_name"],
        last_name=user["last_name"],
        zip=user["address"]["zip"],
    )
    assert rules(env, [auth, by_name]) == ["single_user"]
    assert rules(env, [auth, auth, call("get_user_details", user_id=mine["user_id"])]) == []


def test_own_payment_method(env: Environment) -> None:
    order = next(
        orders(
            env.db, "pending", lambda o: len(env.db.users[o["user_id"]]["payment_method_ids"]) > 1
        )
    )
    own = next(
        pm
        for pm in env.db.users[order["user_id"]]["payment_method_ids"]
        if pm != order["payment_method_id"] and not pm.startswith("gift")
    )
    stranger = next(
        pm
        for pm, m in env.db.payment_methods.items()
        if m["user_id"] != order["user_id"] and m["kind"] == "paypal"
    )
    auth = auth_call(env.db, order["user_id"])
    switch = call(
        "modify_pending_order_payment", order_id=order["order_id"], payment_method_id=stranger
    )
    assert rules(env, [auth, switch]) == ["own_payment_method"]
    switch = call("modify_pending_order_payment", order_id=order["order_id"], payment_method_id=own)
    assert rules(env, [auth, switch]) == []


@pytest.mark.parametrize("status", ["delivered", "processed", "cancelled"])
def test_pending_only(env: Environment, status: str) -> None:
    order = _order(env.db, status)
    auth = auth_call(env.db, order["user_id"])
    pay = method_of(env.db, order["user_id"], "paypal") or order["payment_method_id"]
    calls = [
        call("modify_pending_order_payment", order_id=order["order_id"], payment_method_id=pay)
    ]
    if status != "cancelled":  # a cancelled order fails at the tool level first
        calls = [
            call("cancel_pending_order", order_id=order["order_id"], reason="no longer needed")
        ]
    assert "pending_only" in [v.rule for v in replay_with_policy(env, [auth, *calls]).violations]
    pending = _order(env.db, "pending")
    cancel = call("cancel_pending_order", order_id=pending["order_id"], reason="no longer needed")
    assert rules(env, [auth_call(env.db, pending["user_id"]), cancel]) == []


def test_delivered_only(env: Environment) -> None:
    pending, delivered = _order(env.db, "pending"), _order(env.db, "delivered")

    def give_back(order: Any) -> list[ToolCall]:
        return [
            auth_call(env.db, order["user_id"]),
            call(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[order["items"][0]["item_id"]],
                payment_method_id=order["payment_method_id"],
            ),
        ]

    assert rules(env, give_back(pending)) == ["delivered_only"]
    assert rules(env, give_back(delivered)) == []
    # a second return on the same order is no longer on a delivered order
    twice = give_back(delivered) + give_back(delivered)[1:]
    if len(delivered["items"]) > 1:
        twice[-1] = call(
            "return_delivered_order_items",
            order_id=delivered["order_id"],
            item_ids=[delivered["items"][1]["item_id"]],
            payment_method_id=delivered["payment_method_id"],
        )
        assert rules(env, twice) == ["delivered_only"]


def _exchange(order: Any, item: Any, new: str) -> ToolCall:
    return call(
        "exchange_delivered_order_items",
        order_id=order["order_id"],
        item_ids=[item["item_id"]],
        new_item_ids=[new],
        payment_method_id=order["payment_method_id"],
    )


def test_same_product_variant(env: Environment) -> None:
    order = next(
        orders(env.db, "delivered", lambda o: any(other_variant(env.db, i) for i in o["items"]))
    )
    item = next(i for i in order["items"] if other_variant(env.db, i))
    auth = auth_call(env.db, order["user_id"])
    assert rules(env, [auth, _exchange(order, item, other_variant(env.db, item) or "")]) == []
    foreign = next(
        iid
        for p in env.db.products.values()
        if p["product_id"] != item["product_id"]
        for iid, v in p["variants"].items()
        if v["available"]
    )
    assert rules(env, [auth, _exchange(order, item, foreign)]) == ["same_product_variant"]


def test_refund_destination(env: Environment) -> None:
    def has_other_card(o: Any) -> bool:
        kinds = [
            env.db.payment_methods[pm] for pm in env.db.users[o["user_id"]]["payment_method_ids"]
        ]
        return any(
            m["kind"] != "gift_card" and m["payment_method_id"] != o["payment_method_id"]
            for m in kinds
        )

    order = next(orders(env.db, "delivered", has_other_card))
    other = next(
        pm
        for pm in env.db.users[order["user_id"]]["payment_method_ids"]
        if pm != order["payment_method_id"] and not pm.startswith("gift")
    )

    def refund_to(pm: str) -> list[ToolCall]:
        return [
            auth_call(env.db, order["user_id"]),
            call(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[order["items"][0]["item_id"]],
                payment_method_id=pm,
            ),
        ]

    assert rules(env, refund_to(other)) == ["refund_destination"]
    assert rules(env, refund_to(order["payment_method_id"])) == []
    gifted = next(
        orders(
            env.db,
            "delivered",
            lambda o: (
                (method_of(env.db, o["user_id"], "gift_card") or o["payment_method_id"])
                != o["payment_method_id"]
            ),
        )
    )
    gift = method_of(env.db, gifted["user_id"], "gift_card")
    calls = [
        auth_call(env.db, gifted["user_id"]),
        call(
            "return_delivered_order_items",
            order_id=gifted["order_id"],
            item_ids=[gifted["items"][0]["item_id"]],
            payment_method_id=gift,
        ),
    ]
    assert rules(env, calls) == []


def test_modify_items_once(env: Environment) -> None:
    def two_swappable(o: Any) -> bool:
        return sum(other_variant(env.db, i) is not None for i in o["items"]) >= 2

    order = next(orders(env.db, "pending", two_swappable))
    first, second = [i for i in order["items"] if other_variant(env.db, i)][:2]

    def modify(item: Any) -> ToolCall:
        return call(
            "modify_pending_order_items",
            order_id=order["order_id"],
            item_ids=[item["item_id"]],
            new_item_ids=[other_variant(env.db, item)],
            payment_method_id=next(
                pm
                for pm in env.db.users[order["user_id"]]["payment_method_ids"]
                if not pm.startswith("gift")
            ),
        )

    auth = auth_call(env.db, order["user_id"])
    assert rules(env, [auth, modify(first)]) == []
    assert rules(env, [auth, modify(first), modify(second)]) == ["modify_items_once"]


def test_cancel_reason(env: Environment) -> None:
    order = _order(env.db, "pending")
    auth = auth_call(env.db, order["user_id"])
    bad = call("cancel_pending_order", order_id=order["order_id"], reason="found it cheaper")
    assert rules(env, [auth, bad]) == ["cancel_reason"]
    good = call("cancel_pending_order", order_id=order["order_id"], reason="Ordered by mistake")
    assert rules(env, [auth, good]) == []


def test_after_transfer(env: Environment) -> None:
    order = _order(env.db, "pending")
    auth = auth_call(env.db, order["user_id"])
    transfer = call(
        "transfer_to_human_agents", summary="wants a refund to a new card", user_id=order["user_id"]
    )
    read = call("get_order_details", order_id=order["order_id"])
    assert rules(env, [auth, read, transfer]) == []
    assert rules(env, [auth, transfer, read]) == ["after_transfer"]


def test_reachable_marks_irreversible_transitions() -> None:
    from environments.retail import DOMAIN as RETAIL

    pending = {"status": "pending", "items_modified": False}
    assert RETAIL.reachable("orders", pending, {**pending, "address": "x"})
    assert not RETAIL.reachable("orders", {**pending, "status": "cancelled"}, pending)
    assert RETAIL.reachable(
        "orders", {**pending, "status": "cancelled"}, {**pending, "status": "cancelled"}
    )
    assert not RETAIL.reachable("orders", {**pending, "items_modified": True}, pending)
    assert not RETAIL.reachable("transfers", {"status": "queued"}, None)
    assert RETAIL.reachable("users", {"address": "a"}, {"address": "b"})
