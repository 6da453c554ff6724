"""Entity aliases and the record shapes retail tools return.

The ``Entity`` markers on these aliases are what the tool graph reads: a tool whose
result contains an ``OrderId`` can feed any tool taking an ``OrderId`` parameter.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from apigen.env import Entity

__all__ = [
    "Address",
    "ItemId",
    "Order",
    "OrderId",
    "OrderItem",
    "OrderStatus",
    "OrderSummary",
    "PaymentMethod",
    "PaymentMethodId",
    "Product",
    "ProductId",
    "Transaction",
    "UserDetails",
    "UserId",
    "Variant",
    "VariantDetails",
]

UserId = Annotated[str, Entity("user_id")]
OrderId = Annotated[str, Entity("order_id")]
ProductId = Annotated[str, Entity("product_id")]
ItemId = Annotated[str, Entity("item_id")]
PaymentMethodId = Annotated[str, Entity("payment_method_id")]

OrderStatus = Literal[
    "pending", "processed", "delivered", "cancelled", "return requested", "exchange requested"
]


class Address(TypedDict):
    line1: str
    line2: str
    city: str
    state: str
    zip: str
    country: str


class PaymentMethod(TypedDict):
    payment_method_id: PaymentMethodId
    user_id: UserId
    kind: Literal["credit_card", "paypal", "gift_card"]
    brand: NotRequired[str]
    last_four: NotRequired[str]
    email: NotRequired[str]
    balance: NotRequired[float]


class UserDetails(TypedDict):
    user_id: UserId
    first_name: str
    last_name: str
    email: str
    address: Address
    payment_methods: list[PaymentMethod]
    orders: list[OrderId]


class OrderItem(TypedDict):
    item_id: ItemId
    product_id: ProductId
    name: str
    options: dict[str, str]
    price: float


class Transaction(TypedDict):
    type: Literal["payment", "refund"]
    amount: float
    payment_method_id: PaymentMethodId


class Order(TypedDict):
    order_id: OrderId
    user_id: UserId
    placed_on: str
    address: Address
    items: list[OrderItem]
    status: OrderStatus
    payment_method_id: PaymentMethodId
    payment_history: list[Transaction]
    fulfilments: list[dict[str, object]]
    items_modified: bool
    cancel_reason: NotRequired[str]
    returns: NotRequired[list[dict[str, object]]]
    exchanges: NotRequired[list[dict[str, object]]]


class OrderSummary(TypedDict):
    order_id: OrderId
    status: OrderStatus
    placed_on: str
    item_names: list[str]
    total: float


class Variant(TypedDict):
    options: dict[str, str]
    available: bool
    price: float


class Product(TypedDict):
    product_id: ProductId
    name: str
    variants: dict[ItemId, Variant]


class VariantDetails(TypedDict):
    item_id: ItemId
    product_id: ProductId
    name: str
    options: dict[str, str]
    available: bool
    price: float
