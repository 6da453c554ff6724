"""The conversation protocol: the moves a human simulator, an agent and the rules
that check a conversation must recognise in each other's text.

One module owns them, so nothing else has to agree with anything:

- the **markers** a human simulator writes to close a conversation: :data:`STOP`
  (everything is done, or cannot be done) and :data:`TRANSFER` (the agent handed
  the conversation to a person);
- a **confirmation request**: an agent message that states the action it is about
  to take and asks the user to agree (:func:`confirmation_request` writes one,
  :func:`asks_confirmation` recognises one);
- a **confirmation answer**: :func:`consent` reads the user's reply as ``"yes"``
  (an explicit agreement, not hedged by a refusal nor left open by a question),
  ``"no"`` (a refusal) or ``"unclear"``;
- an **identity request** (:func:`asks_identity`) and a **hand-off notice**
  (:func:`announces_transfer`);
- the **phrasings** players write these moves in (:data:`PHRASINGS`): ``canonical``
  (one fixed question, "Do you confirm (yes/no)?", and fixed answers) or ``varied``
  (the shapes real agents and users write, after the τ²-bench conversations: "Would
  you like me to proceed…?", "Please confirm by replying 'yes'", "Is that correct?";
  "Yes, please.", "Yes, that all sounds good!"…). :func:`phrasing_shapes` gives each
  set; every request of a set is recognised by :func:`asks_confirmation`, every
  agreement reads ``"yes"`` and every refusal ``"no"`` by :func:`consent`.

Which tools need a confirmation, hand off, or authenticate is declared on the tool
(``@tool("write", confirm=True)``); the sim roles and the rule
:func:`apigen.env.confirm_before_write` read those declarations and this module, so
a domain never writes a text matcher. The recognisers are English and
conservative: a reply they cannot read as an agreement is no agreement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AGREE",
    "CONFIRM_QUESTION",
    "DECLINE",
    "PHRASINGS",
    "STOP",
    "TRANSFER",
    "Consent",
    "Ending",
    "Phrasing",
    "Shapes",
    "announces_transfer",
    "asks_confirmation",
    "asks_identity",
    "confirmation_request",
    "consent",
    "ending",
    "phrasing_shapes",
    "strip_markers",
]

STOP = "###STOP###"
"""The human simulator's last message ends with this when the task is done or cannot be."""
TRANSFER = "###TRANSFER###"
"""The human simulator answers this once the agent has handed the conversation over."""

Ending = Literal["stop", "transfer"]
Consent = Literal["yes", "no", "unclear"]

CONFIRM_QUESTION = "Do you confirm (yes/no)?"
"""The question closing a canonical confirmation request."""
AGREE = "Yes, please go ahead."
"""A canonical agreement (``consent(AGREE) == "yes"``)."""
DECLINE = "No, don't do that."
"""A canonical refusal (``consent(DECLINE) == "no"``)."""


def ending(text: str) -> Ending | None:
    """``"transfer"`` / ``"stop"`` when a human message closes the conversation."""
    if TRANSFER in text:
        return "transfer"
    if STOP in text:
        return "stop"
    return None


def strip_markers(text: str) -> str:
    """``text`` without the protocol markers (what a person would have written)."""
    return " ".join(text.replace(STOP, " ").replace(TRANSFER, " ").split())


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def confirmation_request(
    action: str, lead: str = "Here is what I am about to do", question: str = CONFIRM_QUESTION
) -> str:
    """A confirmation request stating ``action``: ``"<lead>: <action>. <question>"``
    (by default "Do you confirm (yes/no)?"). A ``lead`` holding ``{action}`` is a
    template the action is put into instead: ``"To confirm, I'll {action}."``."""
    action = action.strip().rstrip(".")
    stated = lead.format(action=action) if "{action}" in lead else f"{lead}: {action}."
    return f"{stated} {question}"


Phrasing = Literal["canonical", "varied"]
PHRASINGS: tuple[Phrasing, ...] = ("canonical", "varied")


@dataclass(frozen=True)
class Shapes:
    """The wordings of one phrasing: leads that state the action (``lead`` of
    :func:`confirmation_request`), questions that ask for the agreement, agreements,
    and refusals (some ask the agent to look again)."""

    leads: tuple[str, ...]
    questions: tuple[str, ...]
    agreements: tuple[str, ...]
    refusals: tuple[str, ...]


_CANONICAL = Shapes(
    leads=("Here is what I am about to do", "Before I make this change, please review it"),
    questions=(CONFIRM_QUESTION,),
    agreements=(AGREE, "Yes, go ahead.", "Yes, please do that."),
    refusals=(DECLINE,),
)
_VARIED = Shapes(
    leads=(
        "Here is what I am about to do",
        "Before I make this change, please review it",
        "To confirm, here are the details of the change: {action}.",
        "Just to make sure we are on the same page, I will {action}.",
        "Here's the update I'm going to make: {action}.",
        "Let me summarise before I go ahead. Action: {action}.",
        "Okay, I have everything I need. I'm going to {action}.",
    ),
    questions=(
        CONFIRM_QUESTION,
        "Would you like me to proceed?",
        "Would you like me to go ahead with this?",
        "Do you want me to proceed with this change?",
        "Is that correct?",
        "Does everything look right to you?",
        "Please confirm by replying 'yes' and I'll take care of it.",
        "Shall I go ahead?",
        'Can you confirm you\'d like me to proceed? (Please reply "yes" to confirm)',
    ),
    agreements=(
        AGREE,
        "Yes, please.",
        "Yes, that all sounds good!",
        "Yes, I confirm. Please proceed.",
        "Yes, that's correct.",
        "Yep, that's right, go ahead.",
        "Sounds good, please do it.",
        "Correct. Please go ahead and make the change, thank you!",
        "Yes please, that works for me.",
        "Sure, go ahead.",
    ),
    refusals=(
        DECLINE,
        "No, that's not what I asked for.",
        "No, please don't make that change.",
        "Nope, that isn't right. Please hold off.",
        "No thanks, I'd rather not do that.",
        "No, that's not correct. Can you check it again?",
    ),
)


def phrasing_shapes(phrasing: Phrasing) -> Shapes:
    """The wordings of ``phrasing`` (``canonical`` or ``varied``)."""
    return _VARIED if phrasing == "varied" else _CANONICAL


_ASKS = re.compile(
    r"\b(confirm|proceed|go ahead|shall i|should i|would you like me to|do you want me to|"
    r"want me to|may i|can i go ahead|ok to|okay to|are you sure|ready (for me )?to|"
    r"(is|does|do|are) (that|this|these|everything|all of (that|this)) "
    r"(all )?(look |sound |seem )?(correct|right|good|ok|okay|accurate)|"
    r"(sound|sounds|look|looks) (correct|right|good|ok|okay))\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(r"\byes\s*(/|or)\s*no\b", re.IGNORECASE)
_PLEASE_CONFIRM = re.compile(
    r"\b(please confirm|confirm by|(reply|replying|type|typing|say|answer)\W+yes\b)",
    re.IGNORECASE,
)


def asks_confirmation(text: str) -> bool:
    """The agent asks the user to agree to an action: it asks a question (``?``) and
    offers "yes/no", or one of its questions asks to confirm / proceed / go ahead,
    "shall I", "would you like me to", "is that correct", "does this look right"...,
    or it requests a confirmation outright ("please confirm", "reply 'yes' to
    proceed"). A request for information ("What is your email?") is none."""
    if _PLEASE_CONFIRM.search(text):
        return True
    questions = [s for s in _sentences(text) if "?" in s]
    if not questions:
        return False
    return _YES_NO.search(text) is not None or any(_ASKS.search(q) for q in questions)


_AGREE = re.compile(
    r"\b(yes|yeah|yep|yup|yes please|sure|ok|okay|alright|all right|absolutely|"
    r"affirmative|of course|definitely|correct|that's right|right|exactly|confirm|confirmed|"
    r"go ahead|proceed|please do|do it|(sounds|looks) (good|great|fine|right|correct|perfect)|"
    r"(that|this) works|works for me|perfect|obviously|oui|s\u00ed)\b",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(
    r"\b(go ahead|proceed|please do|do it|i confirm|confirmed|i agree|i authori[sz]e|"
    r"please (book|cancel|change|update|make|process|add|modify|send|use|upgrade|"
    r"downgrade|return|exchange|refund|apply)|"
    r"(just )?(make|do) (the|those|these|that|this) (change|changes|update|updates))\b",
    re.IGNORECASE,
)
_REFUSAL_FIRST = re.compile(
    r"^\W*(no|nope|nah|not)\b(?!\s+(problem|worries|issue|issues)\b)", re.IGNORECASE
)
_ACT = r"(do|proceed|go ahead|continue|make|change|book|cancel|process|submit|go through)"
_REFUSAL = re.compile(
    r"\b(not yet|hold off|never ?mind|cancel that|changed my mind|let's not|let us not|"
    rf"(i'd|i would) rather not|no,? thanks|no,? thank you|(don't|do not) {_ACT}\b|"
    rf"(don't|do not) want (it|that|this|to {_ACT}\b)|"
    r"not (correct|right|what i (want|asked))|incorrect|(that's|that is|it's) wrong)",
    re.IGNORECASE,
)
_HESITATION_FIRST = re.compile(r"^\W*(hmm+|hm+|um+|uh+|actually|well)\b", re.IGNORECASE)
_HESITATION = re.compile(
    r"\b(wait|hold on|hang on|one moment|just a (moment|second|sec)|not so fast|"
    r"let me think|i'm not sure|not sure)\b",
    re.IGNORECASE,
)
_OPEN = re.compile(
    r"\b(but|however|before|first|instead|rather|what about|how about|or should|can we|could we)\b",
    re.IGNORECASE,
)


def consent(text: str) -> Consent:
    """How a user's reply answers a confirmation request.

    ``"no"``: it opens with a refusal (no, nope, not... but not "no problem") or
    refuses the action anywhere (don't do / proceed / go ahead, never mind, not yet,
    hold off, changed my mind, that's not correct...); a "don't" about something
    else ("don't charge me anything") is a condition, not a refusal.

    ``"yes"``: otherwise, an explicit agreement (yes, sure, correct, go ahead,
    proceed, that works..., or telling the agent to act: "please cancel it with the
    reason 'no longer needed'") that does not hesitate (wait, hold on, let me think...,
    or an opening hmm / actually) and leaves no question open. A question leaves the
    agreement open unless the reply also tells the agent to act ("go ahead",
    "please book it", "I confirm") and the question is not a condition on it ("but",
    "before", "first", "instead"...): "Yes, please go ahead. When will I see the
    refund?" agrees, "Yes, but what's the refund amount first?" does not.

    ``"unclear"``: anything else.
    """
    plain = strip_markers(text).replace("\u2019", "'").replace("\u2018", "'")
    if _REFUSAL_FIRST.search(plain) or _REFUSAL.search(plain):
        return "no"
    if _HESITATION_FIRST.search(plain) or _HESITATION.search(plain):
        return "unclear"
    if not (_AGREE.search(plain) or _DIRECTIVE.search(plain)):
        return "unclear"
    questions = [s for s in _sentences(plain) if "?" in s]
    if questions and (not _DIRECTIVE.search(plain) or any(_OPEN.search(q) for q in questions)):
        return "unclear"
    return "yes"


_IDENTIFY = re.compile(r"\b(verify|identity|identify|authenticate|who you are)\b", re.IGNORECASE)


def asks_identity(text: str, fields: Iterable[str]) -> bool:
    """The agent asks the user to identify: a question that says verify / identity /
    authenticate, or names one of ``fields`` (the declared authentication parameters,
    ``zip`` matching "zip code", ``email`` matching "e-mail")."""
    phrases = [" ".join(f.lower().replace("-", "_").split("_")) for f in fields]
    for q in (s for s in _sentences(text) if s.endswith("?")):
        plain = q.lower().replace("e-mail", "email")
        if _IDENTIFY.search(plain) or any(
            p and re.search(rf"\b{re.escape(p)}", plain) for p in phrases
        ):
            return True
    return False


_TRANSFERRED = re.compile(
    r"\b(transferred|transferring|(will|'ll|am going to|going to) transfer|"
    r"hand(ed|ing)|pass(ed|ing))\s+(you|your (call|chat|conversation|case|request)|"
    r"this (call|chat|conversation|case)|the (call|chat|conversation|case))\b",
    re.IGNORECASE,
)


def announces_transfer(text: str) -> bool:
    """The agent says it has handed (or is handing) the conversation to someone: a
    statement that transfers / hands over / passes *you* or *this conversation*
    ("I have transferred you", "I'm handing this chat over"); a question ("Shall I
    transfer you?") is a confirmation request, and money moved ("I transferred $40")
    is no hand-off."""
    return any(_TRANSFERRED.search(s) and not s.endswith("?") for s in _sentences(text))
