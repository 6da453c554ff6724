"""What counts as a fact in a tool call, and how facts are written and recognised.

Blank strings are no facts. Free text the agent composes itself (a transfer's
``summary``...) is no fact the customer states; the ids and numbers it quotes are
cues. A multi-word fact may be paraphrased ("you ordered it by mistake").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apigen.llm.sim._common import humanize, mentions, normalise
from apigen.types import JSON

__all__ = ["PROSE_WORDS", "is_free_text", "prose_cues", "render_value", "restates"]


def _stems(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", normalise(text).lower())
    return [re.sub(r"(ing|ed|es|s)$", "", w) if len(w) > 4 else w for w in words]


def restates(text: str, value: str | int | float) -> bool:
    """``text`` states ``value`` or paraphrases a multi-word value: its words, up to
    an ending (-s, -ed, -ing), appear in order with at most two other words among them
    ("you ordered it by mistake" restates ``ordered by mistake``, "you no longer need
    it" restates ``no longer needed``)."""
    if mentions(text, value):
        return True
    want = _stems(str(value)) if isinstance(value, str) else []
    if len(want) < 2:
        return False
    have = _stems(text)
    for start, word in enumerate(have):
        if word != want[0]:
            continue
        k, end = 1, start + 1
        while k < len(want) and end < min(len(have), start + len(want) + 2):
            k += have[end] == want[k]
            end += 1
        if k == len(want):
            return True
    return False


_FREE_TEXT_NAMES = frozenset(
    {"summary", "note", "notes", "comment", "comments", "message", "explanation", "description"}
)
_FREE_TEXT_DOC = re.compile(
    r"\b(summary|summari[sz]e[sd]?|free[- ]?text|in your own words)\b", re.I
)
PROSE_WORDS = 6
"""A string of at least this many words is prose the agent composes (see ``is_free_text``)."""


def is_free_text(name: str, value: JSON, schema: Mapping[str, Any] | None = None) -> bool:
    """The argument ``name=value`` is free text the agent writes itself, not a fact the
    customer states: a string whose schema has no ``enum`` and either whose parameter
    name is one of ``summary``, ``note(s)``, ``comment(s)``, ``message``,
    ``explanation``, ``description`` (as a word of the name) or whose schema description
    says summary / free text / in your own words, or which is prose of at least
    :data:`PROSE_WORDS` words. Such values need not be grounded nor confirmed word for
    word; the ids and numbers they quote are cues (:func:`prose_cues`)."""
    if not isinstance(value, str) or not value.strip():
        return False
    schema = schema or {}
    if "enum" in schema:
        return False
    words = set(name.lower().replace("-", "_").split("_"))
    if words & _FREE_TEXT_NAMES or _FREE_TEXT_DOC.search(str(schema.get("description", ""))):
        return True
    return len(value.split()) >= PROSE_WORDS


def prose_cues(text: str) -> list[str]:
    """Tokens of free text that name facts: ids, e-mail addresses and numbers (any token
    holding a digit or an ``@``), without surrounding punctuation, in order."""
    found = []
    for token in text.split():
        token = token.strip(".,;:!?()[]{}\"'")
        if token and re.search(r"[\d@]", token) and token not in found:
            found.append(token)
    return found


def render_value(value: JSON) -> str:
    """A value the way a person writes it: lists joined with commas, mappings as
    ``key value``, booleans as yes/no; blank strings and ``None`` render as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        pairs = {humanize(str(k)): render_value(v) for k, v in value.items()}
        return ", ".join(f"{k} {v}" for k, v in pairs.items() if v)
    items = [render_value(v) for v in value]
    return ", ".join(s for s in items if s)
