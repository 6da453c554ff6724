"""The calculator tool every built-in domain offers: safe arithmetic, no ``eval``."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from apigen.env import DB, ToolFailure, tool

__all__ = ["calculate"]


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
