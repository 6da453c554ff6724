"""Core conversation rules driven by tool declarations, for domains to compose.

``confirm_before_write``: a call of a tool declared ``confirm=True`` needs the
user's explicit agreement. Judged only when the conversation is known
(``ctx.messages`` is not ``None``): the last user message before the call must be
an agreement (:func:`apigen.env.protocol.consent` is ``"yes"``) answering an
agent message that asked for confirmation
(:func:`apigen.env.protocol.asks_confirmation`), and no other successful
``confirm`` write may have been made since that message (one confirmation, one
write). Rule id ``confirm_before_write``.
"""

from __future__ import annotations

from collections.abc import Iterator

from apigen.env._policy import PolicyContext
from apigen.env._protocol import asks_confirmation, consent
from apigen.types import ToolCall, Violation

__all__ = ["confirm_before_write"]


def _same_call(a: ToolCall, b: ToolCall) -> bool:
    if a.id is not None and b.id is not None:
        return a.id == b.id
    return a.name == b.name and a.arguments == b.arguments


def _needs_confirmation(ctx: PolicyContext, name: str) -> bool:
    declared = ctx.tools.get(name)
    return declared is not None and declared.confirm


def _reason(ctx: PolicyContext) -> str | None:
    """Why the call is not confirmed (``None``: it is)."""
    failed = {e.call.id for e in ctx.history if not e.ok and e.call.id is not None}
    messages = ctx.messages or ()
    skipped_self = False
    writes_since = 0
    for position in range(len(messages) - 1, -1, -1):
        msg = messages[position]
        if msg.role == "user":
            before = messages[position - 1] if position > 0 else None
            asked = before is not None and before.role == "assistant"
            if writes_since:
                return "another change was made since the user's last confirmation"
            if consent(msg.content or "") != "yes":
                return "the user's last message is not an explicit yes"
            if not (asked and before is not None and asks_confirmation(before.content or "")):
                return "the agent did not ask for confirmation before the user's yes"
            return None
        if msg.role == "assistant":
            for call in msg.tool_calls:
                if not _needs_confirmation(ctx, call.name) or call.id in failed:
                    continue
                if not skipped_self and _same_call(call, ctx.call):
                    skipped_self = True
                    continue
                writes_since += 1
    return "the user never confirmed"


def confirm_before_write(ctx: PolicyContext) -> Iterator[Violation]:
    """The rule ``confirm_before_write`` (see the module docstring)."""
    if ctx.messages is None or ctx.tool is None or not ctx.tool.confirm:
        return
    reason = _reason(ctx)
    if reason is not None:
        yield Violation(
            rule="confirm_before_write",
            message=f"{ctx.call.name}: {reason}",
            call_index=ctx.index,
        )
