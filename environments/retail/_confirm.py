"""The confirmation rule: every state change needs the customer's explicit yes.

Judged only when the conversation is known (``ctx.messages`` is not ``None``):
the last customer message before the write must be an explicit affirmative
(yes / confirm / go ahead / proceed ...) answering an agent message (the agent
asked), and no other successful write may have happened since that message
(one confirmation, one write).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apigen.env import PolicyContext
from apigen.types import ToolCall, Violation

__all__ = ["CONFIRMED_TOOLS", "check_confirmation", "is_affirmative"]

CONFIRMED_TOOLS = frozenset(
    {
        "cancel_pending_order",
        "modify_pending_order_address",
        "modify_pending_order_items",
        "modify_pending_order_payment",
        "modify_user_address",
        "return_delivered_order_items",
        "exchange_delivered_order_items",
    }
)
"""Writes that need a confirmation (a transfer to a human does not)."""

_YES = re.compile(
    r"\b(yes|yeah|yep|yup|confirm|confirmed|i confirm|go ahead|proceed|please do|do it|"
    r"sure|absolutely|affirmative)\b",
    re.IGNORECASE,
)
_NO_ANYWHERE = re.compile(
    r"\b(don't|do not|not yet|hold off|never ?mind|cancel that|changed my mind)\b",
    re.IGNORECASE,
)
_NO_FIRST = re.compile(r"^\W*(no|nope|nah|not|wait|hold on|stop)\b", re.IGNORECASE)


def is_affirmative(text: str) -> bool:
    """An explicit yes that is not hedged by a no."""
    if _NO_FIRST.search(text) or _NO_ANYWHERE.search(text.replace("’", "'")):
        return False
    return _YES.search(text) is not None


def _same_call(a: ToolCall, b: ToolCall) -> bool:
    if a.id is not None and b.id is not None:
        return a.id == b.id
    return a.name == b.name and a.arguments == b.arguments


def check_confirmation(ctx: PolicyContext) -> Iterator[Violation]:
    """The rule ``confirm_before_write``."""
    if ctx.messages is None or ctx.call.name not in CONFIRMED_TOOLS:
        return
    failed = {e.call.id for e in ctx.history if not e.ok and e.call.id is not None}
    skipped_self = False
    writes_since = 0
    for position in range(len(ctx.messages) - 1, -1, -1):
        msg = ctx.messages[position]
        if msg.role == "user":
            asked = position > 0 and ctx.messages[position - 1].role == "assistant"
            if writes_since:
                reason = "another change was made since the customer's last confirmation"
            elif not is_affirmative(msg.content or ""):
                reason = "the customer's last message is not an explicit yes"
            elif not (asked and (ctx.messages[position - 1].content or "").strip()):
                reason = "the agent did not ask for confirmation before the customer's yes"
            else:
                return
            yield Violation(
                rule="confirm_before_write",
                message=f"{ctx.call.name}: {reason}",
                call_index=ctx.index,
            )
            return
        if msg.role == "assistant":
            for call in msg.tool_calls:
                if call.name not in CONFIRMED_TOOLS or call.id in failed:
                    continue
                if not skipped_self and _same_call(call, ctx.call):
                    skipped_self = True
                    continue
                writes_since += 1
    yield Violation(
        rule="confirm_before_write",
        message=f"{ctx.call.name}: the customer never confirmed",
        call_index=ctx.index,
    )
