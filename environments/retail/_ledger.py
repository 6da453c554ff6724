"""Backend integrity helpers shared by the retail write tools: orders, items, money."""

from __future__ import annotations

from typing import Any

from apigen.env import DB, ToolFailure
from environments.retail._common import cents, dollars, money, valid_address
from environments.retail._reads import find_variant, get_order

__all__ = [
    "editable_order",
    "move_money",
    "net_paid",
    "new_address",
    "payment_method",
    "pick_items",
    "replacements",
]


def editable_order(db: DB, order_id: str) -> dict[str, Any]:
    get_order(db, order_id)
    order = db.orders.edit(order_id)
    if order["status"] == "cancelled":
        raise ToolFailure(f"order {order_id} is cancelled and cannot be changed")
    return order


def payment_method(db: DB, payment_method_id: str) -> Any:
    method = db.payment_methods.get(payment_method_id)
    if method is None:
        raise ToolFailure(f"payment method {payment_method_id!r} not found")
    return method


def move_money(db: DB, order: dict[str, Any], pm_id: str, amount_cents: int) -> None:
    """Charge (amount > 0) or refund (amount < 0) ``pm_id`` and record it on ``order``."""
    if amount_cents == 0:
        return
    method = payment_method(db, pm_id)
    if method["kind"] == "gift_card":
        balance = cents(method["balance"])
        if amount_cents > balance:
            raise ToolFailure(
                f"gift card {pm_id} balance {money(balance)} does not cover {money(amount_cents)}"
            )
        card = db.payment_methods.edit(pm_id)
        card["balance"] = dollars(balance - amount_cents)
        db.payment_methods[pm_id] = card
    kind = "payment" if amount_cents > 0 else "refund"
    order["payment_history"].append(
        {"type": kind, "amount": dollars(abs(amount_cents)), "payment_method_id": pm_id}
    )


def net_paid(order: dict[str, Any]) -> dict[str, int]:
    net: dict[str, int] = {}
    for tx in order["payment_history"]:
        sign = 1 if tx["type"] == "payment" else -1
        net[tx["payment_method_id"]] = net.get(tx["payment_method_id"], 0) + sign * cents(
            tx["amount"]
        )
    return net


def pick_items(order: dict[str, Any], item_ids: list[str]) -> list[int]:
    """Positions of ``item_ids`` in the order; each must be there once and still open."""
    if not item_ids:
        raise ToolFailure("item_ids must name at least one item")
    if len(set(item_ids)) != len(item_ids):
        raise ToolFailure("item_ids lists an item more than once")
    closed = {i for r in order.get("returns", []) for i in r["item_ids"]}
    closed |= {i for r in order.get("exchanges", []) for i in r["item_ids"]}
    positions = {item["item_id"]: n for n, item in enumerate(order["items"])}
    for item_id in item_ids:
        if item_id not in positions:
            raise ToolFailure(f"item {item_id} is not in order {order['order_id']}")
        if item_id in closed:
            raise ToolFailure(f"item {item_id} was already returned or exchanged")
    return [positions[i] for i in item_ids]


def replacements(db: DB, old: list[Any], new_item_ids: list[str]) -> list[dict[str, Any]]:
    if len(new_item_ids) != len(old):
        raise ToolFailure("new_item_ids must have one new item per item in item_ids")
    records = []
    for item, new_id in zip(old, new_item_ids, strict=True):
        if new_id == item["item_id"]:
            raise ToolFailure(f"new item {new_id} is the same as the current item")
        product, variant = find_variant(db, new_id)
        if not variant["available"]:
            raise ToolFailure(f"item {new_id} is out of stock")
        records.append(
            {
                "item_id": new_id,
                "product_id": product["product_id"],
                "name": product["name"],
                "options": dict(variant["options"]),
                "price": variant["price"],
            }
        )
    return records


def new_address(line1: str, line2: str, city: str, state: str, zip: str) -> dict[str, str]:
    address = {
        "line1": line1.strip(),
        "line2": line2.strip(),
        "city": city.strip(),
        "state": state.strip().upper(),
        "zip": zip.strip(),
        "country": "USA",
    }
    problem = valid_address(address)
    if problem is not None:
        raise ToolFailure(f"invalid address: {problem}")
    return address
