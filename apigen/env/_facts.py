"""Facts in text: what a value states, and whether a text states it.

The one place phase 1's code stages (:mod:`apigen.blueprints`) and the offline sim
roles (:mod:`apigen.llm.sim`) read facts from text, so a check the reviewers make
and the stage that gates it agree:

- :func:`leaves` — the facts a JSON value holds (strings and numbers; blank strings
  are no facts);
- :func:`mentions` / :func:`restates` — a text states a value (whole tokens, numbers
  by value), or paraphrases a multi-word one;
- :func:`numbers_in`, :func:`normalise`, :func:`tool_like` — numbers in a text, text
  for comparison, tool identifiers written in a text;
- :func:`ungrounded_arguments` — the write arguments of a replayed action list that
  are neither stated in the instruction nor returned by an earlier call (free text
  the agent composes excepted): the ``grounding`` stage and the sim reviewer's
  ``completeness`` criterion.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from apigen.env._tool import Tool
from apigen.types import JSON, ToolExecution

__all__ = [
    "Ungrounded",
    "leaves",
    "mentions",
    "normalise",
    "numbers_in",
    "restates",
    "tool_like",
    "ungrounded_arguments",
]


def leaves(value: JSON) -> list[str | int | float]:
    """Scalar leaves (strings and numbers, not booleans) of a JSON value, in order: the
    facts it holds. Blank strings (``line2: ''``) state nothing and are left out."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, Mapping):
        return [x for v in value.values() for x in leaves(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in leaves(v)]
    return []


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?!\w|\.\d)")


def numbers_in(text: str) -> set[float]:
    """Standalone numbers in ``text`` (``a3_0`` and ``#W12`` hold none; ``1,250.50`` is one)."""
    return {float(m.replace(",", "")) for m in _NUMBER.findall(text)}


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """``text`` for comparison: Unicode NFKC, straight quotes, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def mentions(text: str, value: str | int | float) -> bool:
    """``text`` states ``value``: numbers compare numerically; strings as whole tokens,
    ignoring case, a leading ``#``, runs of whitespace and typographic quotes. A blank
    string is no fact and is never mentioned."""
    if isinstance(value, int | float):
        return float(value) in numbers_in(text)
    needle = normalise(value).lstrip("#")
    if not needle:
        return False
    body = r"\s+".join(re.escape(word) for word in needle.split(" "))
    pattern = r"(?<![\w])#?" + body + r"(?![\w])"
    return re.search(pattern, normalise(text), flags=re.IGNORECASE) is not None


def tool_like(names: Iterable[str], text: str) -> list[str]:
    """Tool names written as identifiers in ``text`` (``close_account``, ``getUser``);
    plain-word names such as ``deposit`` are ordinary English and do not count."""
    found = []
    for name in names:
        identifier = "_" in name or name != name.lower()
        if identifier and re.search(rf"\b{re.escape(name)}\b", text):
            found.append(name)
    return found


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


@dataclass(frozen=True)
class Ungrounded:
    """A write argument's fact that nothing grounds: ``actions[index]``'s ``name``."""

    index: int
    tool: str
    name: str
    value: str | int | float

    def __str__(self) -> str:
        return (
            f"actions[{self.index}] {self.tool} argument {self.name}={self.value!r} is neither "
            "stated in the instruction nor returned by an earlier call"
        )


def ungrounded_arguments(
    instruction: str, trace: Sequence[ToolExecution], tools: Mapping[str, Tool]
) -> list[Ungrounded]:
    """Every fact of every write argument in ``trace`` (string and number leaves) that
    the ``instruction`` does not state (:func:`restates`) and no earlier successful
    call returned (:func:`mentions` in its JSON output). Parameters a tool declares
    ``free_text`` are composed by the agent and need no grounding; a call of a tool
    not in ``tools`` is not checked."""
    found: list[Ungrounded] = []
    seen = ""
    for i, e in enumerate(trace):
        tool = tools.get(e.call.name)
        if e.write and tool is not None:
            for name, value in e.call.arguments.items():
                if name in tool.free_text:
                    continue
                found += [
                    Ungrounded(i, e.call.name, name, v)
                    for v in leaves(value)
                    if not restates(instruction, v) and not mentions(seen, v)
                ]
        if e.ok:
            seen += " " + json.dumps(e.output, ensure_ascii=False)
    return found
