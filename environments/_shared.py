"""What the built-in domains share: the calculator and the hand-off to a human agent
(tools), the rule that a hand-off ends the agent's part, money in cents, and the
append-only history test of ``reachable``."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypedDict

from apigen.env import DB, Entity, PolicyContext, ToolFailure, tool
from apigen.types import Violation

__all__ = [
    "Transfer",
    "calculate",
    "cents",
    "check_after_transfer",
    "dollars",
    "extends",
    "money",
    "transfer_to_human_agents",
]

UserId = Annotated[str, Entity("user_id")]


def cents(amount: Any) -> int:
    """Dollars (float) to whole cents, rounding half away from float noise."""
    return round(float(amount) * 100)


def dollars(amount_cents: int) -> float:
    """Whole cents to a dollar float with two decimals."""
    return round(amount_cents / 100, 2)


def extends(current: Any, target: Any, field: str) -> bool:
    """Whether append-only list ``field`` of record ``current`` can still grow into
    ``target``'s: the target's list starts with the current one (no tool removes or
    rewrites an entry of a payment history, so any other target is unreachable)."""
    have, want = list(current.get(field) or ()), list((target or {}).get(field) or ())
    return want[: len(have)] == have


def money(amount_cents: int) -> str:
    """Cents as an amount a person says: ``$1,054.20``."""
    return f"${amount_cents / 100:,.2f}"


class Transfer(TypedDict):
    transfer_id: str
    user_id: UserId | None
    status: str
    message: str


@tool("write", handoff=True, free_text=("summary",))
def transfer_to_human_agents(db: DB, summary: str, user_id: UserId | None = None) -> Transfer:
    """Hand the conversation over to a human agent, with a summary of the user's
    request. Use only when the request cannot be handled under the policy.

    Args:
        summary: What the user wants and why it could not be done here.
        user_id: The authenticated user's id, if any.
    """
    if not summary.strip():
        raise ToolFailure("summary must not be empty")
    if user_id is not None and user_id not in db.users:
        raise ToolFailure(f"user {user_id!r} not found")
    transfer_id = f"TR{len(db.transfers) + 1:05d}"
    db.transfers[transfer_id] = {"transfer_id": transfer_id, "user_id": user_id, "status": "queued"}
    return {
        "transfer_id": transfer_id,
        "user_id": user_id,
        "status": "queued",
        "message": "A human agent will take over this conversation shortly.",
    }


def check_after_transfer(ctx: PolicyContext) -> Iterator[Violation]:
    """A hand-off (a tool declared ``handoff=True``) ends the agent's part of the
    conversation: no call after it. Rule id ``after_transfer``."""
    for e in ctx.history:
        declared = ctx.tools.get(e.call.name)
        if e.ok and declared is not None and declared.handoff:
            message = f"{ctx.call.name}: the conversation was already transferred"
            yield Violation(rule="after_transfer", message=message, call_index=ctx.index)
            return


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ToolFailure("only numbers are allowed")
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return float(_UNARY[type(node.op)](_evaluate(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
            raise ToolFailure("exponent too large")
        return float(_BINARY[type(node.op)](left, right))
    raise ToolFailure("only numbers, + - * / // % ** and parentheses are allowed")


@tool("read")
def calculate(db: DB, expression: str) -> float:
    """Evaluate an arithmetic expression and return the result rounded to 2 decimals.

    Args:
        expression: Numbers with + - * / // % ** and parentheses, e.g. '(129.99 - 84.5) * 2'.
    """
    if len(expression) > 300:
        raise ToolFailure("expression is too long (limit 300 characters)")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ToolFailure(f"not an arithmetic expression: {expression!r}") from None
    try:
        value = _evaluate(tree)
    except ZeroDivisionError:
        raise ToolFailure("division by zero") from None
    except OverflowError:
        raise ToolFailure("result too large") from None
    if not math.isfinite(value):
        raise ToolFailure("result too large")
    return round(value, 2)
