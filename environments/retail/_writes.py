"""Write tools of the retail domain.

These enforce only what a real order backend enforces: ids exist, items belong
to the order, variants exist and are in stock, a gift card covers a charge, a
cancelled order stays cancelled. Business rules (which statuses allow which
action, where refunds go, confirmation) are policy checks in ``_policy``.
"""

from __future__ import annotations

from apigen.env import DB, ToolFailure, tool
from environments._shared import transfer_to_human_agents
from environments.retail._common import cents, dollars
from environments.retail._ledger import (
    editable_order,
    move_money,
    net_paid,
    new_address,
    payment_method,
    pick_items,
    replacements,
)
from environments.retail._reads import user_details
from environments.retail._types import (
    ItemId,
    Order,
    OrderId,
    PaymentMethodId,
    UserDetails,
    UserId,
)

__all__ = ["WRITE_TOOLS"]


@tool("write", confirm=True)
def cancel_pending_order(db: DB, order_id: OrderId, reason: str) -> Order:
    """Cancel an order. Everything paid is refunded to the payment methods used
    (gift cards at once, other methods within 5-7 business days).

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        reason: Why the customer cancels: 'no longer needed' or 'ordered by mistake'.
    """
    order = editable_order(db, order_id)
    if not reason.strip():
        raise ToolFailure("reason must not be empty")
    for pm_id, amount in net_paid(order).items():
        if amount > 0:
            move_money(db, order, pm_id, -amount)
    order["status"] = "cancelled"
    order["cancel_reason"] = reason.strip()
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


@tool("write", confirm=True)
def modify_pending_order_address(
    db: DB, order_id: OrderId, line1: str, line2: str, city: str, state: str, zip: str
) -> Order:
    """Change the shipping address of an order.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        line1: Street address, e.g. '1420 Alder Street'.
        line2: Apartment, suite or unit, or '' when there is none.
        city: City, e.g. 'Portland'.
        state: Two-letter state code, e.g. 'OR'.
        zip: Five-digit zip code, e.g. '97205'.
    """
    order = editable_order(db, order_id)
    order["address"] = new_address(line1, line2, city, state, zip)
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


@tool("write", confirm=True)
def modify_pending_order_items(
    db: DB,
    order_id: OrderId,
    item_ids: list[ItemId],
    new_item_ids: list[ItemId],
    payment_method_id: PaymentMethodId,
) -> Order:
    """Swap items of an order for other items; the price difference is charged to
    (or refunded to) the given payment method.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        item_ids: Item ids in the order to replace, e.g. ['1008292230'].
        new_item_ids: The replacement item ids, in the same order as item_ids.
        payment_method_id: Payment method that pays or receives the price difference,
            e.g. 'card_4829101' or 'gift_card_1302954'.
    """
    order = editable_order(db, order_id)
    positions = pick_items(order, item_ids)
    new = replacements(db, [order["items"][p] for p in positions], new_item_ids)
    diff = sum(cents(r["price"]) for r in new) - sum(
        cents(order["items"][p]["price"]) for p in positions
    )
    payment_method(db, payment_method_id)
    move_money(db, order, payment_method_id, diff)
    for p, record in zip(positions, new, strict=True):
        order["items"][p] = record
    order["items_modified"] = True
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


@tool("write", confirm=True)
def modify_pending_order_payment(
    db: DB, order_id: OrderId, payment_method_id: PaymentMethodId
) -> Order:
    """Pay an order with another payment method: the amount charged to the current
    method is refunded to it and charged to the new one.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        payment_method_id: The new payment method, e.g. 'paypal_3920184'.
    """
    order = editable_order(db, order_id)
    payment_method(db, payment_method_id)
    current = order["payment_method_id"]
    if payment_method_id == current:
        raise ToolFailure(f"order {order_id} is already paid with {current}")
    amount = net_paid(order).get(current, 0)
    if amount <= 0:
        raise ToolFailure(f"nothing is charged to {current} for order {order_id}")
    move_money(db, order, payment_method_id, amount)
    move_money(db, order, current, -amount)
    order["payment_method_id"] = payment_method_id
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


@tool("write", confirm=True)
def modify_user_address(
    db: DB, user_id: UserId, line1: str, line2: str, city: str, state: str, zip: str
) -> UserDetails:
    """Change a customer's default address (existing orders keep theirs).

    Args:
        user_id: The user id, e.g. 'maya_chen_4821'.
        line1: Street address, e.g. '1420 Alder Street'.
        line2: Apartment, suite or unit, or '' when there is none.
        city: City, e.g. 'Portland'.
        state: Two-letter state code, e.g. 'OR'.
        zip: Five-digit zip code, e.g. '97205'.
    """
    user_details(db, user_id)
    user = db.users.edit(user_id)
    user["address"] = new_address(line1, line2, city, state, zip)
    db.users[user_id] = user
    return user_details(db, user_id)  # type: ignore[return-value]


@tool("write", confirm=True)
def return_delivered_order_items(
    db: DB, order_id: OrderId, item_ids: list[ItemId], payment_method_id: PaymentMethodId
) -> Order:
    """Return items of an order: the customer ships them back and their price is
    refunded to the given payment method. The order becomes 'return requested'.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        item_ids: Item ids in the order to return, e.g. ['1008292230', '4920183321'].
        payment_method_id: Payment method that receives the refund, e.g. 'gift_card_1302954'.
    """
    order = editable_order(db, order_id)
    positions = pick_items(order, item_ids)
    refund = sum(cents(order["items"][p]["price"]) for p in positions)
    move_money(db, order, payment_method_id, -refund)
    order.setdefault("returns", []).append(
        {
            "item_ids": list(item_ids),
            "refund": dollars(refund),
            "payment_method_id": payment_method_id,
        }
    )
    order["status"] = "return requested"
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


@tool("write", confirm=True)
def exchange_delivered_order_items(
    db: DB,
    order_id: OrderId,
    item_ids: list[ItemId],
    new_item_ids: list[ItemId],
    payment_method_id: PaymentMethodId,
) -> Order:
    """Exchange items of an order for other items: the customer ships the old ones
    back, the new ones are sent, and the price difference is charged to (or
    refunded to) the given payment method. The order becomes 'exchange requested'.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
        item_ids: Item ids in the order to exchange, e.g. ['1008292230'].
        new_item_ids: The replacement item ids, in the same order as item_ids.
        payment_method_id: Payment method that pays or receives the price difference.
    """
    order = editable_order(db, order_id)
    positions = pick_items(order, item_ids)
    new = replacements(db, [order["items"][p] for p in positions], new_item_ids)
    diff = sum(cents(r["price"]) for r in new) - sum(
        cents(order["items"][p]["price"]) for p in positions
    )
    payment_method(db, payment_method_id)
    move_money(db, order, payment_method_id, diff)
    order.setdefault("exchanges", []).append(
        {
            "item_ids": list(item_ids),
            "new_item_ids": list(new_item_ids),
            "price_difference": dollars(diff),
            "payment_method_id": payment_method_id,
        }
    )
    order["status"] = "exchange requested"
    db.orders[order_id] = order
    return order  # type: ignore[return-value]


WRITE_TOOLS = (
    cancel_pending_order,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
    exchange_delivered_order_items,
    transfer_to_human_agents,
)
