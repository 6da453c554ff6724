"""Read tools of the retail domain: look-ups that never change the state."""

from __future__ import annotations

from typing import Any

from apigen.env import DB, ToolFailure, tool
from environments._shared import calculate
from environments.retail._common import order_total_cents, users_named
from environments.retail._types import (
    ItemId,
    Order,
    OrderId,
    OrderSummary,
    Product,
    ProductId,
    UserDetails,
    UserId,
    VariantDetails,
)

__all__ = ["READ_TOOLS", "find_variant", "get_order", "user_details"]


def get_order(db: DB, order_id: str) -> Any:
    """The order record, or a failure whose message helps fix a malformed id."""
    order = db.orders.get(order_id)
    if order is None:
        hint = "" if order_id.startswith("#") else " (order ids start with '#', e.g. '#R1234567')"
        raise ToolFailure(f"order {order_id!r} not found{hint}")
    return order


def find_variant(db: DB, item_id: str) -> tuple[Any, Any]:
    """(product, variant) of an item id, or a failure."""
    for product in db.products.values():
        variant = product["variants"].get(item_id)
        if variant is not None:
            return product, variant
    raise ToolFailure(f"item {item_id!r} not found in the catalogue")


def user_details(db: DB, user_id: str) -> dict[str, Any]:
    """A user with their payment methods spelled out."""
    user = db.users.get(user_id)
    if user is None:
        raise ToolFailure(f"user {user_id!r} not found")
    methods = [db.payment_methods[pm] for pm in user["payment_method_ids"]]
    return {
        "user_id": user["user_id"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "email": user["email"],
        "address": user["address"],
        "payment_methods": methods,
        "orders": user["orders"],
    }


@tool("read", authenticates=True)
def find_user_id_by_email(db: DB, email: str) -> UserId:
    """Find a customer's user id from the email address on their account.

    Args:
        email: The customer's email address, e.g. 'maya.chen@postbox.net'.
    """
    user_id = db.user_emails.get(email.strip().lower())
    if user_id is None:
        raise ToolFailure("no customer has this email address")
    return str(user_id)


@tool("read", authenticates=True)
def find_user_id_by_name_zip(db: DB, first_name: str, last_name: str, zip: str) -> UserId:
    """Find a customer's user id from their first name, last name and the zip code
    of their account address.

    Args:
        first_name: The customer's first name, e.g. 'Maya'.
        last_name: The customer's last name, e.g. 'Chen'.
        zip: The five-digit zip code of the customer's address, e.g. '97214'.
    """
    found = users_named(db, first_name, last_name, zip.strip())
    if not found:
        raise ToolFailure("no customer matches this name and zip code")
    if len(found) > 1:
        raise ToolFailure("several customers match; ask for the email address instead")
    return str(found[0])


@tool("read")
def get_user_details(db: DB, user_id: UserId) -> UserDetails:
    """Get a customer's profile: name, email, default address, payment methods and
    order ids.

    Args:
        user_id: The user id, e.g. 'maya_chen_4821'.
    """
    return user_details(db, user_id)  # type: ignore[return-value]


@tool("read")
def list_user_orders(db: DB, user_id: UserId) -> list[OrderSummary]:
    """List a customer's orders, newest first, with status, date, item names and total.

    Args:
        user_id: The user id, e.g. 'maya_chen_4821'.
    """
    user = user_details(db, user_id)
    orders = [db.orders[oid] for oid in user["orders"] if oid in db.orders]
    orders.sort(key=lambda o: (o["placed_on"], o["order_id"]), reverse=True)
    return [
        {
            "order_id": o["order_id"],
            "status": o["status"],
            "placed_on": o["placed_on"],
            "item_names": [item["name"] for item in o["items"]],
            "total": order_total_cents(o["items"]) / 100,
        }
        for o in orders
    ]


@tool("read")
def get_order_details(db: DB, order_id: OrderId) -> Order:
    """Get an order: status, items (with item ids, options and prices), shipping
    address, payment method, payment history and shipment tracking.

    Args:
        order_id: The order id including the leading '#', e.g. '#R1234567'.
    """
    return get_order(db, order_id)


@tool("read")
def list_product_types(db: DB) -> dict[str, ProductId]:
    """List every product type the store sells, as {product name: product id}.

    Args:
    """
    return {p["name"]: p["product_id"] for p in sorted(db.products.values(), key=_name)}


def _name(product: Any) -> str:
    return str(product["name"])


@tool("read")
def get_product_details(db: DB, product_id: ProductId) -> Product:
    """Get a product type and all its variants: {item id: options, availability, price}.

    Args:
        product_id: The product id, e.g. '6086499569'.
    """
    product = db.products.get(product_id)
    if product is None:
        raise ToolFailure(f"product {product_id!r} not found")
    return product


@tool("read")
def get_item_details(db: DB, item_id: ItemId) -> VariantDetails:
    """Get one variant (item) of a product by its item id: product, options,
    availability and price.

    Args:
        item_id: The item id, e.g. '1008292230'.
    """
    product, variant = find_variant(db, item_id)
    return {
        "item_id": item_id,
        "product_id": product["product_id"],
        "name": product["name"],
        "options": variant["options"],
        "available": variant["available"],
        "price": variant["price"],
    }


READ_TOOLS = (
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_user_details,
    list_user_orders,
    get_order_details,
    list_product_types,
    get_product_details,
    get_item_details,
    calculate,
)
