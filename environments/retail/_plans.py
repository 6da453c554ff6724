"""Per-write planners of the context sampler: each grounds one write tool.

A :class:`Plan` holds local copies of one customer's orders, gift-card balances
and address, updated as each step is planned, so later steps see the effects of
earlier ones exactly as the tools will apply them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apigen.env import DB, thaw
from apigen.types import ToolCall
from environments.retail._common import (
    cents,
    describe_item,
    describe_options,
    describe_payment,
    dollars,
)
from environments.retail._data import random_address

__all__ = ["Plan", "Swap", "call", "format_address", "swap"]

_ADDRESS_KEYS = ("line1", "line2", "city", "state", "zip")


def format_address(address: Any) -> str:
    parts = [address["line1"], address["line2"], address["city"]]
    return ", ".join(p for p in parts if p) + f", {address['state']} {address['zip']}"


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@dataclass(frozen=True)
class Swap:
    """Items swapped for other variants: the call, its reads, wording and price difference."""

    call: ToolCall
    reads: tuple[ToolCall, ...]
    phrase: str
    facts: dict[str, str]
    diff: int
    """Price difference in cents (> 0: charged, < 0: refunded)."""


class Plan:
    """One customer's state as the steps planned so far leave it."""

    def __init__(self, db: DB, rng: random.Random, user: Any) -> None:
        self.db, self.rng, self.user = db, rng, user
        self.user_id: str = user["user_id"]
        self.orders = {oid: thaw(db.orders[oid]) for oid in user["orders"] if oid in db.orders}
        self.methods = {pm: db.payment_methods[pm] for pm in user["payment_method_ids"]}
        self.balance = {
            pm: cents(m["balance"]) for pm, m in self.methods.items() if m["kind"] == "gift_card"
        }
        self.address = thaw(user["address"])
        self.used: set[str] = set()
        self.touched: list[str] = []
        self.answers: dict[str, str] = {}

    def pick_order(
        self, status: str, fresh: bool = False, ok: Callable[[Any], bool] = lambda o: True
    ) -> Any:
        """A random order with ``status`` passing ``ok`` (unused by earlier steps if
        ``fresh``; otherwise unused ones are preferred)."""
        found = [o for o in self.orders.values() if o["status"] == status and ok(o)]
        unused = [o for o in found if o["order_id"] not in self.used]
        pool = unused if fresh or unused else found
        if not pool:
            return None
        order = self.rng.choice(pool)
        self.used.add(order["order_id"])
        if order["order_id"] not in self.touched:
            self.touched.append(order["order_id"])
        return order

    def pay(self, order: Any, pm_id: str, amount: int) -> None:
        """Mirror of the tools' money movement: charge (> 0) or refund (< 0)."""
        if amount == 0:
            return
        if pm_id in self.balance:
            self.balance[pm_id] -= amount
        kind = "payment" if amount > 0 else "refund"
        order["payment_history"].append(
            {"type": kind, "amount": dollars(abs(amount)), "payment_method_id": pm_id}
        )

    def can_charge(self, pm_id: str, amount: int) -> bool:
        return amount <= 0 or pm_id not in self.balance or self.balance[pm_id] >= amount

    def net_paid(self, order: Any, pm_id: str) -> int:
        sign = {"payment": 1, "refund": -1}
        return sum(
            sign[tx["type"]] * cents(tx["amount"])
            for tx in order["payment_history"]
            if tx["payment_method_id"] == pm_id
        )

    def phrase(self, pm_id: str) -> str:
        return describe_payment(self.methods[pm_id])

    def swappable(self, order: Any) -> list[tuple[int, list[str]]]:
        """(position, other in-stock variant ids of the same product) per item."""
        out = []
        for n, item in enumerate(order["items"]):
            product = self.db.products.get(item["product_id"])
            if product is None:
                continue
            others = [
                iid
                for iid, v in product["variants"].items()
                if v["available"] and iid != item["item_id"]
            ]
            if others:
                out.append((n, others))
        return out

    def new_address(self, current: Any) -> dict[str, str]:
        while True:
            address = random_address(self.rng)
            if any(address[k] != current.get(k) for k in _ADDRESS_KEYS):
                return address


def swap(plan: Plan, order: Any, tool: str) -> Swap | None:
    """Choose items of ``order`` and their new variants, and who pays the difference;
    apply the swap to the plan's copy of the order."""
    rng = plan.rng
    options = plan.swappable(order)
    count = min(len(options), rng.choices((1, 2, 3), (70, 22, 8))[0])
    chosen = sorted(rng.sample(options, count))
    old_ids, new_ids, phrases, diff = [], [], [], 0
    for position, others in chosen:
        item = order["items"][position]
        new_id = rng.choice(others)
        variant = plan.db.products[item["product_id"]]["variants"][new_id]
        old_ids.append(item["item_id"])
        new_ids.append(new_id)
        diff += cents(variant["price"]) - cents(item["price"])
        phrases.append(
            f"the {describe_item(item['name'], item['options'])} for the same "
            f"{item['name']} with {describe_options(variant['options'])}"
        )
    methods = [pm for pm in plan.methods if plan.can_charge(pm, diff)]
    if not methods:
        return None
    original = order["payment_method_id"]
    pm_id = original if original in methods and rng.random() < 0.6 else rng.choice(methods)
    reads = (
        call("get_order_details", order_id=order["order_id"]),
        *(
            call("get_product_details", product_id=pid)
            for pid in dict.fromkeys(order["items"][p]["product_id"] for p, _ in chosen)
        ),
    )
    action = call(
        tool,
        order_id=order["order_id"],
        item_ids=old_ids,
        new_item_ids=new_ids,
        payment_method_id=pm_id,
    )
    plan.pay(order, pm_id, diff)
    for (position, _), new_id in zip(chosen, new_ids, strict=True):
        product = plan.db.products[order["items"][position]["product_id"]]
        variant = product["variants"][new_id]
        order["items"][position] = {
            "item_id": new_id,
            "product_id": product["product_id"],
            "name": product["name"],
            "options": thaw(variant["options"]),
            "price": variant["price"],
        }
    facts = {
        "order_id": order["order_id"],
        "items": "; ".join(phrases),
        "payment_method": plan.phrase(pm_id),
    }
    plan.answers[f"payment method for the price difference on {order['order_id']}"] = plan.phrase(
        pm_id
    )
    return Swap(action, reads, " and ".join(phrases), facts, diff)
