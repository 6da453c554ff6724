"""Deterministic generation of the retail state.

``build_state(seed, scale)`` returns tables keyed by id:

- ``products``: 50 product types, each with its variants ``{item_id: {options, available,
  price}}`` (independent of ``scale``);
- ``users``: name, email, address, payment method ids, order ids;
- ``payment_methods``: credit cards (brand, last four), PayPal accounts and gift cards
  (balance), each with its owner;
- ``orders``: address, items, status (pending / processed / delivered / cancelled),
  current payment method, payment history, fulfilments;
- ``user_emails``: lower-cased email -> user id (the backend's unique index);
- ``user_names``: lower-cased "first last" -> user ids (an index; names never change);
- ``transfers``: hand-offs to human agents (empty at first).

The population comes in blocks of 500 users and 1,000 orders. Block 0 (everything
at scale 1) is drawn from ``Random(seed)``; block ``k`` from its own derived RNG, so
the entities of scale 1 are identical at every scale and scale 10's are a subset
of scale 100's.
"""

from __future__ import annotations

import gc
import random
from datetime import date, timedelta
from typing import Any

from apigen.env import FrozenDict, freeze
from environments.retail._catalog import (
    CARRIERS,
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    PRODUCTS,
)

__all__ = ["BLOCK_ORDERS", "BLOCK_USERS", "TODAY", "build_state", "random_address"]

BLOCK_USERS = 500
BLOCK_ORDERS = 1000
TODAY = date(2025, 6, 2)
"""The state's "today": order dates are relative to it (never the wall clock)."""

_STATUSES = ("pending", "processed", "delivered", "cancelled")
_STATUS_WEIGHTS = (30, 18, 42, 10)
_AGE_DAYS = {"pending": (0, 3), "processed": (2, 8), "delivered": (9, 240), "cancelled": (1, 180)}
_DATES = tuple((TODAY - timedelta(days=d)).isoformat() for d in range(400))
_CARD_BRANDS = ("Visa", "Mastercard", "Amex", "Discover")


class _Ids:
    """Unique random identifiers of fixed width per prefix."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, rng: random.Random, prefix: str, digits: int) -> str:
        low, span = 10 ** (digits - 1), 9 * 10 ** (digits - 1)
        while True:
            key = f"{prefix}{low + int(rng.random() * span)}"
            if key not in self.used:
                self.used.add(key)
                return key


def random_address(rng: random.Random) -> dict[str, str]:
    """A plausible US street address."""
    city, state, prefix, streets = rng.choice(CITIES)
    roll = rng.random()
    line2 = (
        ""
        if roll < 0.6
        else f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
        if roll < 0.85
        else f"Suite {rng.randint(100, 990)}"
        if roll < 0.93
        else f"Unit {rng.randint(1, 300)}"
    )
    return {
        "line1": f"{rng.randint(10, 9890)} {rng.choice(streets)}",
        "line2": line2,
        "city": city,
        "state": state,
        "zip": f"{prefix}{rng.randrange(100):02d}",
        "country": "USA",
    }


def _products(rng: random.Random, ids: _Ids) -> tuple[dict[str, Any], list[list[Any]]]:
    """The catalogue, and per product the frozen order-item records of its variants."""
    products: dict[str, Any] = {}
    items: list[list[Any]] = []
    for name, (low, high), options in PRODUCTS:
        combos: list[dict[str, str]] = [{}]
        for key, values in options.items():
            combos = [{**c, key: v} for c in combos for v in values]
        keep = (
            len(combos) if len(combos) <= 9 else max(9, round(len(combos) * rng.uniform(0.7, 0.9)))
        )
        chosen = sorted(rng.sample(range(len(combos)), keep))
        product_id = ids.new(rng, "", 10)
        base = rng.uniform(low, high * 0.85)
        variants: dict[str, Any] = {}
        records = []
        for index in chosen:
            opts = combos[index]
            rank = sum(vals.index(opts[k]) for k, vals in options.items())
            price = round(base * (1 + 0.04 * rank) * rng.uniform(0.95, 1.08), 2)
            item_id = ids.new(rng, "", 10)
            variants[item_id] = {"options": opts, "available": rng.random() < 0.82, "price": price}
            records.append(
                freeze(
                    {
                        "item_id": item_id,
                        "product_id": product_id,
                        "name": name,
                        "options": opts,
                        "price": price,
                    }
                )
            )
        products[product_id] = freeze(
            {"product_id": product_id, "name": name, "variants": variants}
        )
        items.append(records)
    return products, items


def _email(rng: random.Random, first: str, last: str, taken: dict[str, Any]) -> str:
    f, la = first.lower(), last.lower().replace("'", "")
    while True:
        local = rng.choice(
            (
                f"{f}.{la}",
                f"{f}{la}{rng.randint(1, 99)}",
                f"{f[0]}{la}{rng.randint(10, 999)}",
                f"{f}_{la}{rng.randint(1, 9)}",
                f"{la}.{f}{rng.randint(70, 99)}",
            )
        )
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        if email not in taken:
            return email


def _payment_methods(
    rng: random.Random, ids: _Ids, user_id: str, email: str
) -> list[dict[str, Any]]:
    methods: list[dict[str, Any]] = []
    if rng.random() < 0.75:
        for _ in range(1 + (rng.random() < 0.25)):
            methods.append(
                {
                    "payment_method_id": ids.new(rng, "card_", 7),
                    "user_id": user_id,
                    "kind": "credit_card",
                    "brand": rng.choice(_CARD_BRANDS),
                    "last_four": f"{rng.randrange(10000):04d}",
                }
            )
    if rng.random() < 0.4 or not methods:
        methods.append(
            {
                "payment_method_id": ids.new(rng, "paypal_", 7),
                "user_id": user_id,
                "kind": "paypal",
                "email": email,
            }
        )
    if rng.random() < 0.35:
        methods.append(
            {
                "payment_method_id": ids.new(rng, "gift_card_", 7),
                "user_id": user_id,
                "kind": "gift_card",
                "balance": round(rng.uniform(5, 400), 2),
            }
        )
    return methods


def _block(
    rng: random.Random, ids: _Ids, items: list[list[Any]], tables: dict[str, dict[str, Any]]
) -> None:
    """Add one block of users and orders to ``tables``."""
    users, emails, methods = tables["users"], tables["user_emails"], tables["payment_methods"]
    names = tables["user_names"]
    block: list[dict[str, Any]] = []
    for _ in range(BLOCK_USERS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        stem = f"{first}_{last}".lower().replace("'", "")
        user_id = ids.new(rng, f"{stem}_", 4)
        email = _email(rng, first, last, emails)
        pms = _payment_methods(rng, ids, user_id, email)
        for pm in pms:
            methods[pm["payment_method_id"]] = FrozenDict(pm)
        user: dict[str, Any] = {
            "user_id": user_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "address": FrozenDict(random_address(rng)),
            "payment_method_ids": [pm["payment_method_id"] for pm in pms],
            "orders": [],
        }
        users[user_id] = user
        emails[email] = user_id
        key = f"{first} {last}".lower()
        names[key] = (*names.get(key, ()), user_id)
        block.append(user)
    owners = block + [rng.choice(block) for _ in range(BLOCK_ORDERS - BLOCK_USERS)]
    for user in owners:
        order = _order(rng, ids, items, user)
        tables["orders"][order["order_id"]] = order
        user["orders"].append(order["order_id"])
    for user in block:
        users[user["user_id"]] = FrozenDict(
            {
                **user,
                "payment_method_ids": tuple(user["payment_method_ids"]),
                "orders": tuple(user["orders"]),
            }
        )


def _order(
    rng: random.Random, ids: _Ids, items: list[list[Any]], user: dict[str, Any]
) -> FrozenDict:
    order_id = ids.new(rng, "#R", 7)
    status = rng.choices(_STATUSES, _STATUS_WEIGHTS)[0]
    count = rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0]
    lines: list[Any] = []
    for product in rng.sample(items, count):
        lines.append(product[int(rng.random() * len(product))])
    total = sum(round(line["price"] * 100) for line in lines) / 100
    pm_id = rng.choice(user["payment_method_ids"])
    payment = FrozenDict({"type": "payment", "amount": total, "payment_method_id": pm_id})
    low, high = _AGE_DAYS[status]
    age = rng.randint(low, high)
    address = user["address"] if rng.random() < 0.88 else FrozenDict(random_address(rng))
    # records are built frozen (FrozenDict / tuple): Database then has nothing left to copy
    order: dict[str, Any] = {
        "order_id": order_id,
        "user_id": user["user_id"],
        "placed_on": _DATES[age],
        "address": address,
        "items": tuple(lines),
        "status": status,
        "payment_method_id": pm_id,
        "payment_history": (payment,),
        "fulfilments": (),
        "items_modified": False,
    }
    if status in ("processed", "delivered"):
        shipment: dict[str, Any] = {
            "carrier": rng.choice(CARRIERS),
            "tracking_id": f"{rng.randrange(10**11, 10**12)}",
            "item_ids": tuple(line["item_id"] for line in lines),
            "shipped_on": _DATES[max(age - 1, 0)],
        }
        if status == "delivered":
            shipment["delivered_on"] = _DATES[max(age - rng.randint(2, 6), 0)]
        order["fulfilments"] = (FrozenDict(shipment),)
    elif status == "cancelled":
        order["cancel_reason"] = rng.choice(("no longer needed", "ordered by mistake"))
        refund = FrozenDict({"type": "refund", "amount": total, "payment_method_id": pm_id})
        order["payment_history"] = (payment, refund)
    return FrozenDict(order)


def build_state(seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
    """The retail state for ``seed`` with ``scale`` blocks of users and orders."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    enabled = gc.isenabled()
    gc.disable()  # millions of young containers: collection passes cost more than building
    try:
        return _build(seed, scale)
    finally:
        if enabled:
            gc.enable()


def _build(seed: int, scale: int) -> dict[str, dict[str, Any]]:
    rng = random.Random(seed)
    ids = _Ids()
    products, items = _products(rng, ids)
    tables: dict[str, dict[str, Any]] = {
        "products": products,
        "users": {},
        "payment_methods": {},
        "orders": {},
        "user_emails": {},
        "user_names": {},
        "transfers": {},
    }
    _block(rng, ids, items, tables)
    for k in range(1, scale):
        _block(random.Random(f"retail/{seed}/block/{k}"), ids, items, tables)
    return tables
