"""Policy checks of the retail domain: the rules of ``policy.md`` as code.

Each check is ``(PolicyContext) -> Iterable[Violation]`` with a stable rule id. A
check sees the state *before* the call and the earlier executions; it never
raises on odd arguments (wrong types, unknown ids): the tool reports those.
Authentication, one customer per conversation, own payment methods and the
conversation rules come from the rules library of :mod:`apigen.env` (the
conversation rules, ``confirm_before_write`` and the unsound
``confirmation_names_action``, apply only when ``ctx.messages`` is given).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apigen.env import (
    PolicyCheck,
    PolicyContext,
    authenticate_first,
    confirm_before_write,
    confirmation_names_action,
    one_call_at_a_time,
    one_user,
    own_records_only,
    same_text,
)
from apigen.types import ToolExecution, Violation
from environments._shared import check_after_transfer
from environments.retail._common import ALLOWED_CANCEL_REASONS, users_named
from environments.retail._reads import READ_TOOLS

__all__ = ["AUTH_FREE_TOOLS", "POLICY_CHECKS", "identified"]

FIND_TOOLS = frozenset(t.name for t in READ_TOOLS if t.authenticates)
"""The reads declared ``authenticates=True`` (find a user by email, or by name and zip)."""
AUTH_FREE_TOOLS = frozenset(
    {"list_product_types", "get_product_details", "get_item_details", "calculate"}
)
"""Tools besides the declared authenticating and hand-off ones that an agent may
call before the customer is authenticated."""
PENDING_TOOLS = frozenset(
    {
        "cancel_pending_order",
        "modify_pending_order_address",
        "modify_pending_order_items",
        "modify_pending_order_payment",
    }
)
DELIVERED_TOOLS = frozenset({"return_delivered_order_items", "exchange_delivered_order_items"})
SWAP_TOOLS = frozenset({"modify_pending_order_items", "exchange_delivered_order_items"})


def _violation(ctx: PolicyContext, rule: str, message: str) -> Violation:
    return Violation(rule=rule, message=f"{ctx.call.name}: {message}", call_index=ctx.index)


def _arg(ctx: PolicyContext, name: str) -> str | None:
    value = ctx.call.arguments.get(name)
    return value if isinstance(value, str) else None


def _str_list(ctx: PolicyContext, name: str) -> list[str]:
    value = ctx.call.arguments.get(name)
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


def _order(ctx: PolicyContext) -> Any:
    order_id = _arg(ctx, "order_id")
    return ctx.db.orders.get(order_id) if order_id is not None else None


def identified(execution: ToolExecution) -> str | None:
    """The user id a successful ``find_user_id_by_*`` call returned."""
    return execution.output if isinstance(execution.output, str) else None


def _find_target(ctx: PolicyContext) -> str | None:
    """Whom a find call would identify (``None`` when nobody matches)."""
    if ctx.call.name == "find_user_id_by_email":
        email = _arg(ctx, "email")
        found = ctx.db.user_emails.get(email.strip().lower()) if email else None
        return str(found) if found is not None else None
    first, last, code = _arg(ctx, "first_name"), _arg(ctx, "last_name"), _arg(ctx, "zip")
    if not (first and last and code):
        return None
    found = users_named(ctx.db, first, last, code.strip())
    return found[0] if len(found) == 1 else None


def _subjects(ctx: PolicyContext) -> Iterator[str]:
    """The customers a call identifies, names or acts on."""
    if ctx.call.name in FIND_TOOLS:
        target = _find_target(ctx)
        if target is not None:
            yield target
        return
    subject = _arg(ctx, "user_id")
    if subject is not None:
        yield subject
    order = _order(ctx)
    if order is not None:
        yield str(order["user_id"])


def _order_owner(ctx: PolicyContext) -> str | None:
    order = _order(ctx)
    return str(order["user_id"]) if order is not None else None


def _foreign_payment(ctx: PolicyContext, user: str) -> Iterator[str]:
    pm_id = _arg(ctx, "payment_method_id")
    method = ctx.db.payment_methods.get(pm_id) if pm_id is not None else None
    if method is not None and method["user_id"] != user:
        yield str(pm_id)


check_auth_before_access = authenticate_first(identified, AUTH_FREE_TOOLS)
"""Customer data and changes need an authenticated customer."""
check_single_user = one_user(identified, _subjects)
"""One conversation serves one customer: no other customer's data or account."""
check_own_payment_method = own_records_only(identified, _foreign_payment, _order_owner)
"""Money only moves to or from the customer's own payment methods."""


def check_pending_only(ctx: PolicyContext) -> Iterator[Violation]:
    """Only pending orders can be cancelled or modified."""
    order = _order(ctx)
    if ctx.call.name in PENDING_TOOLS and order is not None and order["status"] != "pending":
        yield _violation(
            ctx, "pending_only", f"order {order['order_id']} is {order['status']}, not pending"
        )


def check_delivered_only(ctx: PolicyContext) -> Iterator[Violation]:
    """Only delivered orders can have items returned or exchanged."""
    order = _order(ctx)
    if ctx.call.name in DELIVERED_TOOLS and order is not None and order["status"] != "delivered":
        yield _violation(
            ctx, "delivered_only", f"order {order['order_id']} is {order['status']}, not delivered"
        )


def check_same_product_variant(ctx: PolicyContext) -> Iterator[Violation]:
    """An item can only be swapped for another variant of the same product."""
    order = _order(ctx)
    if ctx.call.name not in SWAP_TOOLS or order is None:
        return
    products = {item["item_id"]: item["product_id"] for item in order["items"]}
    old, new = _str_list(ctx, "item_ids"), _str_list(ctx, "new_item_ids")
    for old_id, new_id in zip(old, new, strict=False):
        product_id = products.get(old_id)
        product = ctx.db.products.get(product_id) if product_id is not None else None
        if product is not None and new_id not in product["variants"]:
            yield _violation(
                ctx,
                "same_product_variant",
                f"{new_id} is not a variant of {product['name']} (item {old_id})",
            )


def check_refund_destination(ctx: PolicyContext) -> Iterator[Violation]:
    """Refunds go to the order's payment method or to one of the customer's gift cards."""
    order = _order(ctx)
    pm_id = _arg(ctx, "payment_method_id")
    if ctx.call.name != "return_delivered_order_items" or order is None or pm_id is None:
        return
    if pm_id == order["payment_method_id"]:
        return
    method = ctx.db.payment_methods.get(pm_id)
    if (
        method is not None
        and method["kind"] == "gift_card"
        and method["user_id"] == order["user_id"]
    ):
        return
    yield _violation(
        ctx,
        "refund_destination",
        f"refund to {pm_id}: must be the original payment method "
        f"{order['payment_method_id']} or a gift card of the customer",
    )


def check_modify_items_once(ctx: PolicyContext) -> Iterator[Violation]:
    """The items of an order can be modified only once."""
    order = _order(ctx)
    if (
        ctx.call.name == "modify_pending_order_items"
        and order is not None
        and order["items_modified"]
    ):
        yield _violation(
            ctx, "modify_items_once", f"the items of {order['order_id']} were already modified"
        )


def check_cancel_reason(ctx: PolicyContext) -> Iterator[Violation]:
    """A cancellation states one of the accepted reasons."""
    if ctx.call.name != "cancel_pending_order":
        return
    reason = _arg(ctx, "reason") or ""
    if not any(same_text(reason, allowed) for allowed in ALLOWED_CANCEL_REASONS):
        allowed = " or ".join(repr(r) for r in ALLOWED_CANCEL_REASONS)
        yield _violation(ctx, "cancel_reason", f"reason {reason!r} is not {allowed}")


POLICY_CHECKS: tuple[PolicyCheck, ...] = (
    check_auth_before_access,
    check_single_user,
    check_own_payment_method,
    check_pending_only,
    check_delivered_only,
    check_same_product_variant,
    check_refund_destination,
    check_modify_items_once,
    check_cancel_reason,
    check_after_transfer,
    confirm_before_write,
    confirmation_names_action,
    one_call_at_a_time,
)
