"""What a policy check sees and what it is: shared by the domain contract and the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apigen.env._state import DB
from apigen.env._tool import Tool
from apigen.types import Message, ToolCall, ToolExecution, Violation

__all__ = ["PolicyCheck", "PolicyContext"]


@dataclass(frozen=True)
class PolicyContext:
    """What a policy check sees: the state *before* ``call`` runs, and what came before."""

    db: DB
    """Read-only view of the state just before ``call``."""
    call: ToolCall
    tool: Tool | None
    """``None`` when the call names an unknown tool."""
    index: int
    """Position of ``call`` in the trace."""
    history: tuple[ToolExecution, ...]
    """Earlier executions of this trace."""
    messages: tuple[Message, ...] | None
    """The conversation before the call, or ``None`` for a bare action list."""


PolicyCheck = Callable[[PolicyContext], Iterable[Violation]]
"""Judges one call in context; yields the rules it breaks (nothing when it complies)."""
