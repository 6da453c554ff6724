"""Tool schemas come from signatures and docstrings; arguments are validated strictly."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import pytest

from apigen.env import DB, Entity, tool

OrderId = Annotated[str, Entity("order_id")]


class Order(TypedDict):
    order_id: OrderId
    items: list[Annotated[str, Entity("item_id")]]


@tool("write")
def cancel(
    db: DB, order_id: OrderId, reason: Literal["mistake", "no longer needed"], notify: bool = True
) -> Order:
    """Cancel a pending order.

    Args:
        order_id: The order id, such as '#W0000001'.
        reason: Why the user cancels.
            Must be one of the two reasons.
        notify: Whether to email the user.
    """
    raise NotImplementedError


def test_schema_from_signature_and_docstring() -> None:
    fn = cancel.schema["function"]
    assert fn["name"] == "cancel"
    assert fn["description"] == "Cancel a pending order."
    params = fn["parameters"]
    assert params["required"] == ["order_id", "reason"]
    assert params["additionalProperties"] is False
    assert params["properties"]["reason"]["enum"] == ["mistake", "no longer needed"]
    assert params["properties"]["reason"]["description"].endswith("Must be one of the two reasons.")
    assert params["properties"]["notify"]["default"] is True
    assert "$ref" not in str(params) and "title" not in str(params)


def test_entities_from_hints() -> None:
    assert cancel.consumes == {"order_id"}
    assert cancel.produces == {"order_id", "item_id"}


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"reason": "mistake"}, "missing required argument 'order_id'"),
        ({"order_id": 5, "reason": "mistake"}, "argument 'order_id'"),
        ({"order_id": "#W1", "reason": "bored"}, "argument 'reason'"),
        ({"order_id": "#W1", "reason": "mistake", "extra": 1}, "unexpected argument 'extra'"),
    ],
)
def test_validation_errors_are_readable(arguments: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        cancel.validate(arguments)


def test_missing_docs_are_rejected_at_definition() -> None:
    with pytest.raises(TypeError, match="not described"):

        @tool("read")
        def bad(db: DB, x: int) -> int:
            """Does a thing."""
            return x

    with pytest.raises(TypeError, match="docstring"):

        @tool("read")
        def undocumented(db: DB) -> int:
            return 1


def test_declarations_are_kept_on_the_tool_and_default_to_none() -> None:
    @tool("write", handoff=True, free_text=("summary",))
    def hand_over(db: DB, summary: str, order_id: OrderId | None = None) -> str:
        """Hand the conversation to a person.

        Args:
            summary: What the person should know.
            order_id: The order concerned, if any.
        """
        return summary

    assert hand_over.handoff and not hand_over.confirm
    assert hand_over.free_text == {"summary"}
    assert hand_over.declarations == {"handoff": True, "free_text": ["summary"]}
    assert cancel.declarations == {} and not cancel.confirm and not cancel.authenticates


@pytest.mark.parametrize(
    ("options", "kind", "message"),
    [
        ({"confirm": True}, "read", "declarations of write tools"),
        ({"handoff": True}, "read", "declarations of write tools"),
        ({"confirm": True, "handoff": True}, "write", "without a confirmation"),
        ({"authenticates": True}, "write", "declaration of read tools"),
        ({"free_text": ("nope",)}, "write", "unknown parameter 'nope'"),
        ({"free_text": ("amount",)}, "write", "'amount' must be a plain str"),
        ({"free_text": ("reason",)}, "write", "'reason' must be a plain str"),
    ],
)
def test_declarations_that_do_not_fit_fail_at_import(
    options: dict[str, object], kind: Literal["read", "write"], message: str
) -> None:
    def pay(db: DB, amount: int, reason: Literal["a", "b"], note: str) -> None:
        """Pay.

        Args:
            amount: Dollars.
            reason: Why.
            note: A note.
        """

    with pytest.raises(TypeError, match=message):
        tool(kind, **options)(pay)  # type: ignore[arg-type]


def test_a_tool_from_a_foreign_schema_checks_names_types_and_passes_only_given_args() -> None:
    from apigen.env import UNSET, tool_from_schema

    seen: list[dict[str, object]] = []
    function = {  # BFCL's spelling: "dict" for object, "float" for number, "any"
        "name": "book",
        "description": "Book a  flight.\n  Confirm first.",
        "parameters": {
            "type": "dict",
            "properties": {
                "flight_id": {"type": "string", "description": "Flight."},
                "cabin": {"type": "string", "enum": ["economy", "business"]},
                "price": {"type": "float", "description": "Price."},
                "meta": {"type": "dict", "properties": {"x": {"type": "any"}}},
                "note": {"type": ["string", "null"], "description": "Any of two types."},
            },
            "required": ["flight_id", "price"],
        },
    }
    t = tool_from_schema(
        function, lambda db, **kw: seen.append(kw), "write", entities={"flight_id": "flight_id"},
        confirm=True,
    )  # fmt: skip
    assert t.description == "Book a flight. Confirm first." and t.confirm
    assert t.consumes == {"flight_id"}
    props = t.parameters["properties"]
    assert props["price"]["type"] == "number" and props["meta"]["type"] == "object"
    assert "type" not in props["meta"]["properties"]["x"]
    assert props["cabin"]["description"] == "cabin"  # a name stands in for a missing description
    assert t.parameters["required"] == ["flight_id", "price"]
    assert t.validate({"flight_id": "F1", "price": 3}) == {
        "flight_id": "F1", "cabin": UNSET, "price": 3, "meta": UNSET, "note": UNSET,
    }  # fmt: skip
    assert t.validate({"flight_id": "F1", "price": 3, "note": 4})["note"] == 4  # no single type
    bad_calls = [
        {"flight_id": "F1"},
        {"flight_id": 1, "price": 2.0},
        {"flight_id": "F", "price": 1, "cabin": "first"},
        {"flight_id": "F", "price": 1, "x": 1},
    ]
    for bad in bad_calls:
        with pytest.raises(ValueError):
            t.validate(bad)
    loose = tool_from_schema(function, lambda db, **kw: None, "write", check_types=False)
    assert loose.validate({"flight_id": 1, "price": "2", "cabin": "first"})["flight_id"] == 1
    with pytest.raises(ValueError, match="unexpected argument 'x'"):
        loose.validate({"flight_id": 1, "price": 2, "x": 0})
