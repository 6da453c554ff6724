"""Small helpers shared by the retail tools, checks and sampler: money and wording."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from environments._shared import cents, dollars, money

__all__ = [
    "ALLOWED_CANCEL_REASONS",
    "cents",
    "describe_item",
    "describe_options",
    "describe_payment",
    "dollars",
    "money",
    "order_total_cents",
    "users_named",
    "valid_address",
]

ALLOWED_CANCEL_REASONS = ("no longer needed", "ordered by mistake")
"""The cancellation reasons the policy accepts (the tool stores any reason)."""

_ZIP = re.compile(r"^\d{5}$")
_STATE = re.compile(r"^[A-Z]{2}$")


def order_total_cents(items: Iterable[Mapping[str, Any]]) -> int:
    return sum(cents(item["price"]) for item in items)


def describe_options(options: Mapping[str, Any]) -> str:
    """``{"color": "red", "size": "M"}`` -> ``"color red, size M"``."""
    return ", ".join(f"{k} {v}" for k, v in options.items())


def describe_item(name: str, options: Mapping[str, Any]) -> str:
    """How a customer names an item: ``"Cotton T-Shirt (color red, size M)"``."""
    return f"{name} ({describe_options(options)})"


def describe_payment(method: Mapping[str, Any]) -> str:
    """How a customer names a payment method: ``"Visa credit card ending in 4821"``."""
    kind = method.get("kind")
    if kind == "credit_card":
        return f"{method.get('brand')} credit card ending in {method.get('last_four')}"
    if kind == "paypal":
        return "PayPal account"
    return "gift card"


def users_named(db: Any, first_name: str, last_name: str, zip_code: str) -> list[str]:
    """Ids of the users with this name (any case) whose address has ``zip_code``."""
    key = f"{first_name.strip()} {last_name.strip()}".lower()
    ids = db.user_names.get(key) or ()
    return [uid for uid in ids if uid in db.users and db.users[uid]["address"]["zip"] == zip_code]


def valid_address(address: Mapping[str, Any]) -> str | None:
    """Why an address is not deliverable, or ``None`` when it is."""
    for key in ("line1", "city"):
        if not str(address.get(key, "")).strip():
            return f"{key} must not be empty"
    if not _STATE.match(str(address.get("state", ""))):
        return "state must be a two-letter code such as 'OR'"
    if not _ZIP.match(str(address.get("zip", ""))):
        return "zip must be five digits"
    return None
