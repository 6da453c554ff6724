"""What counts as a fact in a tool call, and how facts are written and recognised.

Blank strings are no facts. Free text the agent composes itself (parameters a tool
declares ``free_text``, such as a transfer's ``summary``) is no fact the customer
states; the ids and numbers it quotes are cues. A multi-word fact may be paraphrased
("you ordered it by mistake").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from apigen.env import normalise
from apigen.llm.sim._common import humanize
from apigen.types import JSON

__all__ = ["prose_cues", "render_value"]


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
