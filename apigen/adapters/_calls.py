"""Python call strings (BFCL's ground truth) parsed into tool calls, never evaluated."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

from apigen.types import ToolCall

__all__ = ["CallSyntaxError", "ground_truth_calls", "parse_call"]


class CallSyntaxError(ValueError):
    """A call string is not ``name(literal arguments)``; the message says why."""


def _literal(node: ast.expr, text: str) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        shown = ast.get_source_segment(text, node) or ast.dump(node)[:60]
        raise CallSyntaxError(f"argument {shown!r} is not a literal") from None
    return _json(value, text)


def _json(value: Any, text: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json(v, text) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json(v, text) for k, v in value.items()}
    raise CallSyntaxError(f"a {type(value).__name__} argument has no JSON form in {text!r}")


def parse_call(text: str, parameters: Sequence[str] = ()) -> ToolCall:
    """``f(a=1, b=[2])`` -> ``ToolCall(name="f", arguments={"a": 1, "b": [2]})``.

    Positional arguments take the names in ``parameters`` (in order). The text is
    parsed with :mod:`ast` and only literals are read (``ast.literal_eval`` on each
    argument); a dotted or computed callee, ``*args``/``**kwargs``, a non-literal
    argument or anything but one call raises :class:`CallSyntaxError`.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise CallSyntaxError(f"not Python syntax: {exc.msg}: {text!r}") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise CallSyntaxError(f"not a function call: {text!r}")
    if not isinstance(call.func, ast.Name):
        raise CallSyntaxError(f"the callee is not a plain name: {text!r}")
    arguments: dict[str, Any] = {}
    if len(call.args) > len(parameters):
        raise CallSyntaxError(
            f"{len(call.args)} positional arguments, names for {len(parameters)}: {text!r}"
        )
    for name, node in zip(parameters, call.args, strict=False):
        if isinstance(node, ast.Starred):
            raise CallSyntaxError(f"*args is not supported: {text!r}")
        arguments[name] = _literal(node, text)
    for keyword in call.keywords:
        if keyword.arg is None:
            raise CallSyntaxError(f"**kwargs is not supported: {text!r}")
        if keyword.arg in arguments:
            raise CallSyntaxError(f"argument {keyword.arg!r} given twice: {text!r}")
        arguments[keyword.arg] = _literal(keyword.value, text)
    return ToolCall(name=call.func.id, arguments=arguments)


def ground_truth_calls(
    turns: Sequence[Sequence[str]], parameters: Callable[[str], Sequence[str]]
) -> list[list[ToolCall]]:
    """Every turn's call strings parsed (``parameters(name)`` names positional ones)."""
    parsed = []
    for turn in turns:
        calls = []
        for text in turn:
            head = text.split("(", 1)[0].strip()
            calls.append(parse_call(text, parameters(head)))
        parsed.append(calls)
    return parsed
