"""One planner per write tool: ``(Plan) -> WriteStep | None``.

Each planner picks entities that allow its write given the steps planned
before it, records the effects on the plan, and words the request the way the
customer would (names and options, never item or payment method ids).
"""

from __future__ import annotations

from collections.abc import Callable

from apigen.env import WriteStep
from apigen.types import ToolCall
from environments.retail._common import ALLOWED_CANCEL_REASONS, describe_item, money
from environments.retail._plans import Plan, call, format_address, swap

__all__ = ["PLANNERS"]

_REASON_PHRASES = {
    "no longer needed": "you no longer need it",
    "ordered by mistake": "you ordered it by mistake",
}


def plan_cancel(plan: Plan) -> WriteStep | None:
    order = plan.pick_order("pending", fresh=True)
    if order is None:
        return None
    oid = order["order_id"]
    reason = plan.rng.choice(ALLOWED_CANCEL_REASONS)
    for pm_id in {tx["payment_method_id"] for tx in order["payment_history"]}:
        paid = plan.net_paid(order, pm_id)
        if paid > 0:
            plan.pay(order, pm_id, -paid)
    order["status"] = "cancelled"
    plan.answers[f"reason for cancelling {oid}"] = reason
    return WriteStep(
        call=call("cancel_pending_order", order_id=oid, reason=reason),
        intent=f"cancel order {oid} because {_REASON_PHRASES[reason]}",
        reads=(call("get_order_details", order_id=oid),),
        facts={"order_id": oid, "reason": reason},
    )


def _address_args(address: dict[str, str]) -> dict[str, str]:
    return {k: address[k] for k in ("line1", "line2", "city", "state", "zip")}


def plan_order_address(plan: Plan) -> WriteStep | None:
    order = plan.pick_order("pending")
    if order is None:
        return None
    oid = order["order_id"]
    address = plan.new_address(order["address"])
    order["address"] = address
    text = format_address(address)
    return WriteStep(
        call=call("modify_pending_order_address", order_id=oid, **_address_args(address)),
        intent=f"have order {oid} shipped to {text} instead",
        reads=(call("get_order_details", order_id=oid),),
        facts={"order_id": oid, "new_address": text},
    )


def plan_user_address(plan: Plan) -> WriteStep | None:
    address = plan.new_address(plan.address)
    plan.address = address
    text = format_address(address)
    return WriteStep(
        call=call("modify_user_address", user_id=plan.user_id, **_address_args(address)),
        intent=f"update the default address on your account to {text}",
        facts={"new_address": text},
    )


def plan_order_payment(plan: Plan) -> WriteStep | None:
    def switchable(order: dict[str, object]) -> bool:
        return bool(_payment_targets(plan, order))

    order = plan.pick_order("pending", ok=switchable)
    if order is None:
        return None
    oid, current = order["order_id"], order["payment_method_id"]
    pm_id = plan.rng.choice(_payment_targets(plan, order))
    amount = plan.net_paid(order, current)
    plan.pay(order, pm_id, amount)
    plan.pay(order, current, -amount)
    order["payment_method_id"] = pm_id
    plan.answers[f"new payment method for {oid}"] = plan.phrase(pm_id)
    return WriteStep(
        call=call("modify_pending_order_payment", order_id=oid, payment_method_id=pm_id),
        intent=(
            f"pay for order {oid} with your {plan.phrase(pm_id)} "
            f"instead of your {plan.phrase(current)}"
        ),
        reads=(call("get_order_details", order_id=oid),),
        facts={"order_id": oid, "payment_method": plan.phrase(pm_id)},
    )


def _payment_targets(plan: Plan, order: dict[str, object]) -> list[str]:
    current = str(order["payment_method_id"])
    amount = plan.net_paid(order, current)
    if amount <= 0:
        return []
    return [pm for pm in plan.methods if pm != current and plan.can_charge(pm, amount)]


def _swap_step(plan: Plan, status: str, tool: str, verb: str) -> WriteStep | None:
    def ok(order: dict[str, object]) -> bool:
        return not order.get("items_modified") and bool(plan.swappable(order))

    def swappable(order: dict[str, object]) -> bool:
        return bool(plan.swappable(order))

    order = plan.pick_order(status, ok=ok if status == "pending" else swappable)
    if order is None:
        return None
    done = swap(plan, order, tool)
    if done is None:
        return None
    oid = order["order_id"]
    pays = f"using your {done.facts['payment_method']} for any price difference"
    outputs = (money(abs(done.diff)),) if done.diff else ()
    return WriteStep(
        call=done.call,
        intent=f"in order {oid}, {verb} {done.phrase}, {pays}",
        reads=done.reads,
        facts=done.facts,
        outputs=outputs,
    )


def plan_order_items(plan: Plan) -> WriteStep | None:
    step = _swap_step(plan, "pending", "modify_pending_order_items", "change")
    if step is not None:
        plan.orders[step.call.arguments["order_id"]]["items_modified"] = True
    return step


def plan_exchange(plan: Plan) -> WriteStep | None:
    step = _swap_step(plan, "delivered", "exchange_delivered_order_items", "exchange")
    if step is not None:
        plan.orders[step.call.arguments["order_id"]]["status"] = "exchange requested"
    return step


def plan_return(plan: Plan) -> WriteStep | None:
    order = plan.pick_order("delivered")
    if order is None:
        return None
    rng, oid, items = plan.rng, order["order_id"], order["items"]
    count = len(items) if rng.random() < 0.25 else rng.randint(1, len(items))
    chosen = [items[n] for n in sorted(rng.sample(range(len(items)), count))]
    refund = sum(round(item["price"] * 100) for item in chosen)
    original = order["payment_method_id"]
    gift = [pm for pm in plan.balance if pm != original]
    pm_id = rng.choice(gift) if gift and rng.random() < 0.4 else original
    plan.pay(order, pm_id, -refund)
    order["status"] = "return requested"
    names = " and ".join(f"the {describe_item(i['name'], i['options'])}" for i in chosen)
    refund_to = plan.phrase(pm_id)
    plan.answers[f"refund destination for {oid}"] = refund_to
    return WriteStep(
        call=call(
            "return_delivered_order_items",
            order_id=oid,
            item_ids=[i["item_id"] for i in chosen],
            payment_method_id=pm_id,
        ),
        intent=f"return {names} from order {oid}, with the refund going to your {refund_to}",
        reads=(call("get_order_details", order_id=oid),),
        facts={"order_id": oid, "items": names, "refund_to": refund_to},
        outputs=(money(refund),),
    )


def plan_transfer(plan: Plan) -> WriteStep | None:
    order = plan.pick_order("processed")
    if order is not None:
        oid = order["order_id"]
        item = order["items"][0]
        what = f"the {describe_item(item['name'], item['options'])}"
        intent = (
            f"return {what} from order {oid} right away although it has not been delivered "
            "yet; when the agent says that is not possible, insist and ask for a human agent"
        )
        summary = f"Customer wants to return items of order {oid}, which is still in transit."
        reads: tuple[ToolCall, ...] = (call("get_order_details", order_id=oid),)
        facts = {"order_id": oid, "request": f"return {what} before delivery"}
    else:
        email = f"{plan.user['first_name'].lower()}.{plan.rng.randint(100, 999)}@newmail.com"
        intent = (
            f"change the email address on your account to {email}; when the agent says that "
            "is not possible, ask to be transferred to a human agent"
        )
        summary = f"Customer wants to change the account email address to {email}."
        reads = ()
        facts = {"request": f"change the account email to {email}"}
    return WriteStep(
        call=call("transfer_to_human_agents", summary=summary, user_id=plan.user_id),
        intent=intent,
        reads=reads,
        facts=facts,
    )


PLANNERS: dict[str, Callable[[Plan], WriteStep | None]] = {
    "cancel_pending_order": plan_cancel,
    "modify_pending_order_address": plan_order_address,
    "modify_pending_order_items": plan_order_items,
    "modify_pending_order_payment": plan_order_payment,
    "modify_user_address": plan_user_address,
    "return_delivered_order_items": plan_return,
    "exchange_delivered_order_items": plan_exchange,
    "transfer_to_human_agents": plan_transfer,
}
