"""Test tasks as objects with attributes (the shape of τ-bench's ``Task``/``Action``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Action(BaseModel):
    name: str
    kwargs: dict[str, Any]


class Task(BaseModel):
    user_id: str
    actions: list[Action]
    instruction: str
    outputs: list[str]


TASKS = [
    Task(
        user_id="user_5",
        instruction="You are user5@example.com. Cancel order #W500 (no longer needed) and "
        "ask how much is refunded.",
        actions=[
            Action(name="find_user_id_by_email", kwargs={"email": "user5@example.com"}),
            Action(name="get_order_details", kwargs={"order_id": "#W500"}),
            Action(
                name="cancel_pending_order",
                kwargs={"order_id": "#W500", "reason": "no longer needed"},
            ),
        ],
        outputs=["10.5"],
    ),
    Task(
        user_id="user_4",
        instruction="You are user4@example.com. Ask what the total of your two pending "
        "orders is; change nothing.",
        actions=[
            Action(name="find_user_id_by_email", kwargs={"email": "user4@example.com"}),
            Action(name="get_order_details", kwargs={"order_id": "#W400"}),
            Action(name="get_order_details", kwargs={"order_id": "#W401"}),
            Action(name="calculate", kwargs={"expression": "10.5 + 21.0"}),
        ],
        outputs=["31.5"],
    ),
]
