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
