"""Fresh tables on every call, as τ-bench's ``load_data`` reads its JSON files."""

from __future__ import annotations

from typing import Any

_CITIES = [("Austin", "78701"), ("Boston", "02108"), ("Denver", "80202")]


def load_data() -> dict[str, Any]:
    users: dict[str, Any] = {}
    orders: dict[str, Any] = {}
    for u in range(6):
        user_id = f"user_{u}"
        city, zip_code = _CITIES[u % 3]
        address = {"address1": f"{u + 1} Main St", "city": city, "zip": zip_code}
        ids = []
        for k in range(3):
            order_id = f"#W{u}{k:02d}"
            ids.append(order_id)
            orders[order_id] = {
                "order_id": order_id,
                "user_id": user_id,
                "status": "pending" if k < 2 else "delivered",
                "items": [{"item_id": f"i{k}", "price": 10.5 * (k + 1)}],
                "address": dict(address),
                "payment_history": [{"transaction_type": "payment", "amount": 10.5 * (k + 1)}],
            }
        users[user_id] = {
            "user_id": user_id,
            "email": f"user{u}@example.com",
            "address": address,
            "orders": ids,
        }
    return {"users": users, "orders": orders}
