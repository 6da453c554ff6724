"""Retail domain: generated state, every tool's happy path and integrity failures."""

from __future__ import annotations

from typing import Any

import pytest

from apigen.env import DB, Environment, get_domain, thaw
from environments.retail import DOMAIN
from environments.retail._data import build_state
from tests.environments.retail_helpers import run

# -- state ----------------------------------------------------------------------------


def test_registry_loads_the_retail_domain() -> None:
    domain = get_domain("retail")
    assert domain is DOMAIN and domain.name == "retail"
    assert len(domain.tools) >= 16
    assert {t.name for t in domain.tools if t.kind == "write"} >= {
        "cancel_pending_order",
        "modify_pending_order_address",
        "modify_pending_order_items",
        "modify_pending_order_payment",
        "modify_user_address",
        "return_delivered_order_items",
        "exchange_delivered_order_items",
        "transfer_to_human_agents",
    }
    assert "# Customer care policy" in domain.policy


def test_state_sizes_at_scale_1(env: Environment) -> None:
    counts = env.database.counts()
    assert counts["users"] == 500 and counts["orders"] == 1000 and counts["products"] == 50
    variants = sum(len(p["variants"]) for p in env.db.products.values())
    assert 550 <= variants <= 650
    statuses = {o["status"] for o in env.db.orders.values()}
    assert statuses == {"pending", "processed", "delivered", "cancelled"}


def test_state_is_deterministic_per_seed() -> None:
    assert build_state(3) == build_state(3)
    assert build_state(3)["users"].keys() != build_state(4)["users"].keys()


def test_scale_1_entities_are_identical_at_scale_10() -> None:
    small, big = build_state(0, 1), build_state(0, 10)
    assert len(big["users"]) == 5000 and len(big["orders"]) == 10000
    for table in ("products", "users", "orders", "payment_methods", "user_emails"):
        for key, record in small[table].items():
            assert big[table][key] == record, (table, key)
    for key, ids in small["user_names"].items():
        assert tuple(big["user_names"][key][: len(ids)]) == tuple(ids)


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale"):
        build_state(0, 0)


def test_records_reference_each_other_consistently(db: DB) -> None:
    for order in db.orders.values():
        assert order["order_id"] in db.users[order["user_id"]]["orders"]
        assert db.payment_methods[order["payment_method_id"]]["user_id"] == order["user_id"]
        for item in order["items"]:
            variant = db.products[item["product_id"]]["variants"][item["item_id"]]
            assert variant["price"] == item["price"] and variant["options"] == item["options"]
    for user in db.users.values():
        assert db.user_emails[user["email"]] == user["user_id"]
        assert user["payment_method_ids"]
        assert len(user["address"]["zip"]) == 5


def test_tool_graph_entities(env: Environment) -> None:
    tools = env.domain.tool_map
    assert tools["find_user_id_by_email"].produces == {"user_id"}
    assert {"order_id", "payment_method_id"} <= tools["get_user_details"].produces
    assert {"item_id", "product_id"} <= tools["get_order_details"].produces
    assert tools["exchange_delivered_order_items"].consumes == {
        "order_id",
        "item_id",
        "payment_method_id",
    }
    assert "item_id" in tools["get_product_details"].produces


# -- read tools -----------------------------------------------------------------------


def _user(db: DB) -> Any:
    return next(iter(db.users.values()))


def test_find_user_by_email_and_by_name_zip(env: Environment) -> None:
    user = _user(env.db)
    box = env.sandbox()
    assert run(box, "find_user_id_by_email", email=user["email"].upper()).output == user["user_id"]
    found = run(
        box,
        "find_user_id_by_name_zip",
        first_name=user["first_name"].lower(),
        last_name=user["last_name"],
        zip=user["address"]["zip"],
    )
    assert found.output == user["user_id"]
    assert "no customer" in run(box, "find_user_id_by_email", email="x@nowhere.org").error.message
    wrong_zip = run(
        box,
        "find_user_id_by_name_zip",
        first_name=user["first_name"],
        last_name=user["last_name"],
        zip="00000",
    )
    assert wrong_zip.error is not None and "no customer" in wrong_zip.error.message


def test_user_details_and_order_listing(env: Environment) -> None:
    user = max(env.db.users.values(), key=lambda u: len(u["orders"]))
    box = env.sandbox()
    details = run(box, "get_user_details", user_id=user["user_id"]).output
    assert [m["payment_method_id"] for m in details["payment_methods"]] == list(
        user["payment_method_ids"]
    )
    listing = run(box, "list_user_orders", user_id=user["user_id"]).output
    assert {o["order_id"] for o in listing} == set(user["orders"])
    dates = [o["placed_on"] for o in listing]
    assert dates == sorted(dates, reverse=True)
    assert run(box, "get_user_details", user_id="nobody_0000").error.kind == "tool_error"


def test_order_product_and_item_lookups(env: Environment) -> None:
    order = next(iter(env.db.orders.values()))
    box = env.sandbox()
    assert run(box, "get_order_details", order_id=order["order_id"]).output == thaw(order)
    missing = run(box, "get_order_details", order_id=order["order_id"].lstrip("#"))
    assert "start with '#'" in missing.error.message
    types = run(box, "list_product_types").output
    assert len(types) == 50 and list(types) == sorted(types)
    item = order["items"][0]
    product = run(box, "get_product_details", product_id=item["product_id"]).output
    assert item["item_id"] in product["variants"]
    details = run(box, "get_item_details", item_id=item["item_id"]).output
    assert details["product_id"] == item["product_id"] and details["price"] == item["price"]
    assert run(box, "get_item_details", item_id="0").error.kind == "tool_error"
    assert run(box, "get_product_details", product_id="0").error.kind == "tool_error"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [("(129.99 - 84.5) * 2", 90.98), ("10 / 4", 2.5), ("-3 + 2 ** 3", 5.0), ("7 % 4", 3.0)],
)
def test_calculator_evaluates_arithmetic(
    env: Environment, expression: str, expected: float
) -> None:
    assert run(env.sandbox(), "calculate", expression=expression).output == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('true')", "only numbers"),
        ("2 ** 10000", "too large"),
        ("1 / 0", "division by zero"),
        ("1 +", "not an arithmetic expression"),
        ("True + 1", "only numbers"),
        ("9" * 301, "too long"),
    ],
)
def test_calculator_refuses_non_arithmetic(env: Environment, expression: str, message: str) -> None:
    result = run(env.sandbox(), "calculate", expression=expression)
    assert result.error is not None and message in result.error.message


def test_invalid_argument_types_are_rejected_before_running(env: Environment) -> None:
    result = run(env.sandbox(), "get_order_details", order_id=1234567)
    assert result.error is not None and result.error.kind == "invalid_arguments"
