"""Helpers for the retail tests: calls and entity look-ups over the seed-0 state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from apigen.env import DB, Sandbox
from apigen.types import ToolCall, ToolExecution


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def run(box: Sandbox, name: str, **arguments: Any) -> ToolExecution:
    return box.call(call(name, **arguments))


def orders(db: DB, status: str, where: Callable[[Any], bool] = lambda o: True) -> Iterator[Any]:
    """Orders with ``status`` passing ``where``, in state order."""
    return (o for o in db.orders.values() if o["status"] == status and where(o))


def method_of(db: DB, user_id: str, kind: str) -> str | None:
    """A payment method id of ``kind`` owned by ``user_id``."""
    for pm in db.users[user_id]["payment_method_ids"]:
        if db.payment_methods[pm]["kind"] == kind:
            return str(pm)
    return None


def other_variant(db: DB, item: Any, *, available: bool = True) -> str | None:
    """Another variant of ``item``'s product with the given availability."""
    for iid, v in db.products[item["product_id"]]["variants"].items():
        if iid != item["item_id"] and v["available"] is available:
            return str(iid)
    return None


def auth_call(db: DB, user_id: str) -> ToolCall:
    return call("find_user_id_by_email", email=db.users[user_id]["email"])
