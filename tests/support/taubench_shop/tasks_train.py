"""Training tasks as plain dicts (the shape of τ-bench's older task files): every
ordered pair of the three writes, for several users."""

from __future__ import annotations

from itertools import product
from typing import Any

_NEW = {"address1": "9 Elm St", "city": "Austin", "zip": "78702"}
_PLACE = "Elm St, Austin, zip 78702"
_WHERE = f"9 {_PLACE}"
_WRITES = ("cancel_pending_order", "modify_pending_order_address", "modify_user_address")


def _step(name: str, user: int, k: int) -> tuple[list[dict[str, Any]], str]:
    order_id = f"#W{user}{k:02d}"
    read = {"name": "get_order_details", "kwargs": {"order_id": order_id}}
    if name == "cancel_pending_order":
        kwargs = {"order_id": order_id, "reason": "no longer needed"}
        want = f"cancel order {order_id} (no longer needed)"
        return [read, {"name": name, "kwargs": kwargs}], want
    if name == "modify_pending_order_address":
        kwargs = {"order_id": order_id, **_NEW}
        return [read, {"name": name, "kwargs": kwargs}], f"ship order {order_id} to {_WHERE}"
    kwargs = {"user_id": f"user_{user}", **_NEW, "address1": f"{9 + k} Elm St"}
    return [{"name": name, "kwargs": kwargs}], f"move your default address to {9 + k} {_PLACE}"


def _task(user: int, writes: tuple[str, ...]) -> dict[str, Any]:
    actions: list[dict[str, Any]] = [
        {"name": "find_user_id_by_email", "kwargs": {"email": f"user{user}@example.com"}},
        {"name": "get_user_details", "kwargs": {"user_id": f"user_{user}"}},
    ]
    wants = []
    for k, name in enumerate(writes):
        calls, want = _step(name, user, k)
        actions.extend(calls)
        wants.append(want)
    return {
        "user_id": f"user_{user}",
        "actions": actions,
        "instruction": f"You are user{user}@example.com. You want to " + ", then ".join(wants),
        "outputs": [],
    }


TASKS = [_task(user, pair) for user in range(4) for pair in product(_WRITES, repeat=2)] + [
    _task(user, (w,)) for user in range(4, 6) for w in _WRITES
]
