"""The rules library: conversational rules every domain composes instead of copying.

A rule is a :data:`PolicyCheck` with a stable id and a soundness mark
(:class:`Rule`). The rules read the tool declarations (``confirm``,
``authenticates``, ``handoff``) and :mod:`apigen.env.protocol`; a domain supplies
only what code cannot know about its data (who an authenticating call identified,
whom a call acts for, which records it touches):

- :func:`authenticate_first` (``auth_before_access``): no call but the free ones
  before a user is authenticated;
- :func:`one_user` (``single_user``): one conversation serves one user;
- :func:`own_records_only` (``own_payment_method`` by default): a call touches only
  the records of the user it acts for;
- :data:`confirm_before_write` (``confirm_before_write``): a ``confirm=True`` write
  follows the user's explicit agreement to a confirmation request;
- :data:`one_call_at_a_time` (``one_call_at_a_time``): a write is the only tool
  call of its agent message;
- :data:`confirmation_names_action` (``confirmation_names_action``, **unsound**):
  the confirmation request names what the write changes.

A rule marked ``sound=False`` may flag a conversation that complies (whether a
request "states the action" is a judgement, not a pattern): its violations carry
``sound=False``, early rejection never fires on them, the policy verdict reports
them without failing, and the trajectory committee decides: its judges are shown
each one as a :class:`ReviewPoint` (:func:`render_review_points`, read back by
:func:`read_review_points`, what a scripted judge reads of its prompt).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from apigen.env._policy import PolicyContext
from apigen.env._protocol import asks_confirmation, consent
from apigen.types import Message, ToolCall, ToolExecution, Violation

__all__ = [
    "REVIEW_HEADING",
    "Identify",
    "ReviewPoint",
    "Rule",
    "authenticate_first",
    "authenticated_user",
    "confirm_before_write",
    "confirmation_exchange",
    "confirmation_names_action",
    "one_call_at_a_time",
    "one_user",
    "own_records_only",
    "read_review_points",
    "render_review_points",
]

Identify = Callable[[ToolExecution], str | None]
"""Who a successful call of an ``authenticates`` tool identified (``None``: nobody)."""


@dataclass(frozen=True)
class Rule:
    """A policy check with its id and soundness; callable as a :data:`PolicyCheck`.

    ``check`` yields ``(message)`` strings for the current call; the rule turns each
    into a :class:`Violation` with its id, the call's index and ``sound``."""

    id: str
    check: Callable[[PolicyContext], Iterable[str]]
    sound: bool = True
    """``False``: code cannot judge it soundly; the trajectory committee decides."""

    def __call__(self, ctx: PolicyContext) -> Iterator[Violation]:
        for message in self.check(ctx):
            yield Violation(
                rule=self.id,
                message=f"{ctx.call.name}: {message}",
                call_index=ctx.index,
                call=ctx.call,
                sound=self.sound,
            )


def authenticated_user(ctx: PolicyContext, identify: Identify) -> str | None:
    """The user the first successful call of an ``authenticates`` tool identified."""
    for e in ctx.history:
        declared = ctx.tools.get(e.call.name)
        if e.ok and declared is not None and declared.authenticates:
            user = identify(e)
            if user is not None:
                return user
    return None


def authenticate_first(identify: Identify, free: Collection[str] = ()) -> Rule:
    """``auth_before_access``: before a user is authenticated the agent calls only the
    tools declared ``authenticates`` or ``handoff`` and those named in ``free``
    (catalogue reads, the calculator)."""

    def check(ctx: PolicyContext) -> Iterator[str]:
        if ctx.tool is None or ctx.tool.authenticates or ctx.tool.handoff:
            return
        if ctx.call.name not in free and authenticated_user(ctx, identify) is None:
            yield "no user has been authenticated yet"

    return Rule("auth_before_access", check)


def one_user(identify: Identify, subjects: Callable[[PolicyContext], Iterable[str]]) -> Rule:
    """``single_user``: once a user is authenticated, the call concerns no one else.
    ``subjects(ctx)`` names the users the call would identify or act on (an
    authenticating call's target, a ``user_id`` argument, a record's owner)."""

    def check(ctx: PolicyContext) -> Iterator[str]:
        user = authenticated_user(ctx, identify)
        if user is None:
            return
        for subject in dict.fromkeys(subjects(ctx)):
            if subject != user:
                yield f"concerns user {subject} while serving {user}"

    return Rule("single_user", check)


def own_records_only(
    identify: Identify,
    foreign: Callable[[PolicyContext, str], Iterable[str]],
    acting_for: Callable[[PolicyContext], str | None] | None = None,
    rule: str = "own_payment_method",
) -> Rule:
    """``own_payment_method`` (or ``rule``): the call touches only records of the user
    it acts for — ``acting_for(ctx)`` (default: the authenticated user).
    ``foreign(ctx, user)`` names the records of the call that are not ``user``'s."""

    def check(ctx: PolicyContext) -> Iterator[str]:
        user = acting_for(ctx) if acting_for is not None else None
        user = user if user is not None else authenticated_user(ctx, identify)
        if user is None:
            return
        for record in foreign(ctx, user):
            yield f"{record} does not belong to {user}"

    return Rule(rule, check)


# -- conversation rules ---------------------------------------------------------------


def _needs_confirmation(ctx: PolicyContext, name: str) -> bool:
    declared = ctx.tools.get(name)
    return declared is not None and declared.confirm


def _same_call(a: ToolCall, b: ToolCall) -> bool:
    if a.id is not None and b.id is not None:
        return a.id == b.id
    return a.name == b.name and a.arguments == b.arguments


def _turns(messages: Sequence[Message]) -> list[tuple[int, list[Message]]]:
    """The user messages, newest first, each with the agent messages just before it."""
    out: list[tuple[int, list[Message]]] = []
    agent: list[Message] = []
    for position, msg in enumerate(messages):
        if msg.role == "user":
            out.append((position, agent))
            agent = []
        elif msg.role == "assistant":
            agent.append(msg)
    return out[::-1]


def _confirmed_writes(ctx: PolicyContext, agent: Sequence[Message]) -> int:
    """Successful ``confirm`` writes in ``agent`` messages (the current call excluded)."""
    failed = {e.call.id for e in ctx.history if not e.ok and e.call.id is not None}
    return sum(
        1
        for msg in agent
        for call in msg.tool_calls
        if _needs_confirmation(ctx, call.name)
        and call.id not in failed
        and not _same_call(call, ctx.call)
    )


def confirmation_exchange(ctx: PolicyContext) -> tuple[str, str | None]:
    """The agent text that asked for the confirmation covering ``ctx.call``, and why
    there is none (``None``: the call is confirmed).

    The user's last message before the call agrees
    (:func:`apigen.env.protocol.consent` is ``"yes"``) and answers agent text that
    asks for confirmation (:func:`apigen.env.protocol.asks_confirmation`); the agent
    has not asked again since (asking and acting in one turn is not waiting for the
    answer). Writes the agent makes back to back after the agreement, before the
    user speaks again, are all covered by it; an earlier agreement never is."""
    messages = ctx.messages or ()
    turns = _turns(messages)
    if not turns:
        return "", "the user never confirmed"
    position, agent = turns[0]
    since = "\n".join(m.content or "" for m in messages[position + 1 :] if m.role == "assistant")
    if asks_confirmation(since):
        return "", "the agent asked for confirmation and acted without waiting for the answer"
    if consent(messages[position].content or "") != "yes":
        return "", "the user's last message is not an explicit agreement"
    said = "\n".join(m.content or "" for m in agent if m.content)
    if not asks_confirmation(said):
        return "", "the agent did not ask for confirmation before the user's agreement"
    return said, None


def _confirm(ctx: PolicyContext) -> Iterator[str]:
    if ctx.messages is None or ctx.tool is None or not ctx.tool.confirm:
        return
    _, reason = confirmation_exchange(ctx)
    if reason is not None:
        yield reason


confirm_before_write = Rule("confirm_before_write", _confirm)
"""A call of a tool declared ``confirm=True`` needs the user's explicit agreement
(:func:`confirmation_exchange`). Judged only when the conversation is known
(``ctx.messages`` is not ``None``)."""


def _current_message(ctx: PolicyContext) -> Message | None:
    for msg in reversed(ctx.messages or ()):
        if msg.role == "assistant" and any(_same_call(c, ctx.call) for c in msg.tool_calls):
            return msg
        if msg.role == "user":
            return None
    return None


def _one_call(ctx: PolicyContext) -> Iterator[str]:
    msg = _current_message(ctx)
    if msg is None or len(msg.tool_calls) < 2 or ctx.tool is None or ctx.tool.kind != "write":
        return
    others = sorted({c.name for c in msg.tool_calls if not _same_call(c, ctx.call)})
    yield f"a write made in the same message as {', '.join(others)}"


one_call_at_a_time = Rule("one_call_at_a_time", _one_call)
"""A write is made alone in its agent message (parallel reads are left alone: they
change nothing the user agreed to). Judged only when the conversation is known."""


def _values(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _values(v)


def _names_action(ctx: PolicyContext) -> Iterator[str]:
    if ctx.messages is None or ctx.tool is None or not ctx.tool.confirm:
        return
    said, reason = confirmation_exchange(ctx)
    if reason is not None:
        return  # confirm_before_write reports it
    ids = [v for v in _values(ctx.call.arguments) if len(v) >= 4 and not v.isalpha()]
    text = said.casefold()
    if ids and not any(v.casefold() in text for v in ids):
        yield f"the confirmation request names none of {', '.join(sorted(set(ids))[:3])}"


confirmation_names_action = Rule("confirmation_names_action", _names_action, sound=False)
"""The confirmation request names an identifier the write uses (an order or
reservation id, a flight number...). Unsound — an agent may say "all five
downgrades" — so it only informs the trajectory committee."""


# -- points for the trajectory committee ------------------------------------------------

REVIEW_HEADING = "Points the code could not decide"
"""The heading of the review points in a judge's prompt."""
_POINT = re.compile(r"^- (?P<rule>[\w.:-]+)(?: at `(?P<call>.*)`)?: (?P<message>.*)$")


@dataclass(frozen=True)
class ReviewPoint:
    """A violation of an unsound rule put to the judges: the rule, what it found, and
    the call it refers to as the transcript shows it (``""``: no single call)."""

    rule: str
    message: str
    call: str = ""


def render_review_points(points: Sequence[ReviewPoint], ask: str) -> str:
    """The review section of a judge's prompt: :data:`REVIEW_HEADING` with ``ask``
    (what to do with them), then one ``- rule at `call`: message`` line per point;
    ``""`` when there is none."""
    if not points:
        return ""
    lines = [f"{REVIEW_HEADING} ({ask}):"]
    for p in points:
        where = f" at `{' '.join(p.call.split())}`" if p.call else ""
        lines.append(f"- {p.rule}{where}: {' '.join(p.message.split())}")
    return "\n".join(lines)


def read_review_points(text: str) -> list[ReviewPoint]:
    """The points of a review section in ``text`` (:func:`render_review_points`)."""
    lines = text.splitlines()
    start = next((k for k, ln in enumerate(lines) if ln.startswith(REVIEW_HEADING)), None)
    if start is None:
        return []
    points = []
    for line in lines[start + 1 :]:
        match = _POINT.match(line)
        if match is None:
            break
        points.append(ReviewPoint(match["rule"], match["message"], match["call"] or ""))
    return points
