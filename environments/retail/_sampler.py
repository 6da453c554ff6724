"""The context sampler: ground a list of write tools in one real customer's data.

``sample_task(db, rng, writes)`` tries random customers (then scans from a random
offset) until one can do every write in order, and returns a
:class:`~apigen.env.TaskSketch` whose actions (auth, then each step's reads and
call) replay without errors or policy violations. Steps on the same order are
kept compatible: a cancelled order is not touched again, a delivered order gets
one return or exchange, items of an order are modified once, and gift-card
balances are tracked across steps.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from apigen.env import DB, TaskSketch, WriteStep, thaw
from apigen.types import ToolCall
from environments.retail._common import users_named
from environments.retail._planners import PLANNERS
from environments.retail._plans import Plan

__all__ = ["sample_task"]

_RANDOM_TRIES = 64


def sample_task(db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
    """A grounded task for ``writes`` (write tool names, in order), or ``None``."""
    writes = list(writes)
    if not writes or any(w not in PLANNERS for w in writes):
        return None
    if "transfer_to_human_agents" in writes[:-1]:
        return None  # a transfer ends the conversation
    keys = list(db.users.keys())
    if not keys:
        return None
    for _ in range(_RANDOM_TRIES):
        sketch = _try_user(db, random.Random(rng.random()), keys[rng.randrange(len(keys))], writes)
        if sketch is not None:
            return sketch
    start = rng.randrange(len(keys))
    for offset in range(len(keys)):
        user_id = keys[(start + offset) % len(keys)]
        sketch = _try_user(db, random.Random(rng.random()), user_id, writes)
        if sketch is not None:
            return sketch
    return None


def _try_user(db: DB, rng: random.Random, user_id: str, writes: list[str]) -> TaskSketch | None:
    user = db.users[user_id]
    if not _could_do(db, user, writes):
        return None
    plan = Plan(db, rng, user)
    steps: list[WriteStep] = []
    for name in writes:
        step = PLANNERS[name](plan)
        if step is None:
            return None
        steps.append(step)
    auth, identity = _authentication(db, rng, user)
    first = steps[0]
    reads = (ToolCall(name="get_user_details", arguments={"user_id": user_id}), *first.reads)
    steps[0] = WriteStep(first.call, first.intent, reads, first.facts, first.outputs)
    methods = [thaw(db.payment_methods[pm]) for pm in user["payment_method_ids"]]
    context: dict[str, Any] = {
        "user": {**thaw(user), "payment_methods": methods},
        "orders": {oid: thaw(db.orders[oid]) for oid in plan.touched},
    }
    return TaskSketch(
        user=user_id,
        auth=(auth,),
        identity=identity,
        steps=tuple(steps),
        answers=dict(plan.answers),
        context=context,
    )


def _could_do(db: DB, user: Any, writes: list[str]) -> bool:
    """Cheap pre-filter: enough pending / delivered orders for the writes asked."""
    statuses = [db.orders[oid]["status"] for oid in user["orders"] if oid in db.orders]
    pending = [w for w in writes if w == "cancel_pending_order" or w.startswith("modify_pending")]
    if pending and "pending" not in statuses:
        return False
    needed = sum(w.endswith("delivered_order_items") for w in writes)
    return statuses.count("delivered") >= needed


def _authentication(db: DB, rng: random.Random, user: Any) -> tuple[ToolCall, dict[str, str]]:
    """Authenticate by email, or by name and zip when that identifies the user alone."""
    first, last, zip_code = user["first_name"], user["last_name"], user["address"]["zip"]
    name = f"{first} {last}"
    if rng.random() < 0.5:
        twins = len(users_named(db, first, last, zip_code))
        if twins == 1:
            call = ToolCall(
                name="find_user_id_by_name_zip",
                arguments={"first_name": first, "last_name": last, "zip": zip_code},
            )
            return call, {"name": name, "zip": zip_code}
    call = ToolCall(name="find_user_id_by_email", arguments={"email": user["email"]})
    return call, {"name": name, "email": str(user["email"])}
