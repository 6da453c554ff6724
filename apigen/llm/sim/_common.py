"""Shared plumbing of the sim roles: seeded RNGs, message normalisation, text helpers."""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.types import JSON, canonical_json

__all__ = [
    "PROSE_WORDS",
    "Call",
    "Turn",
    "derive_rng",
    "first_person",
    "humanize",
    "is_error_output",
    "is_free_text",
    "leaves",
    "mentions",
    "normalise",
    "numbers_in",
    "prose_cues",
    "render_value",
    "restates",
    "sentences",
    "stable_hash",
    "to_turns",
    "tool_like",
]


def stable_hash(*parts: Any) -> int:
    """A 64-bit hash of ``parts`` that is equal across processes and machines."""
    text = canonical_json([_plain(p) for p in parts])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def derive_rng(*parts: Any) -> random.Random:
    """A ``random.Random`` seeded from ``parts``: same parts, same draws, always."""
    return random.Random(stable_hash(*parts))


def _plain(value: Any) -> JSON:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_plain(v) for v in value]
    return str(value)


@dataclass(frozen=True)
class Call:
    """A tool call seen in a conversation (``arguments`` is ``{}`` when they were not JSON)."""

    name: str
    arguments: dict[str, JSON]
    id: str | None = None

    @property
    def key(self) -> str:
        return canonical_json([self.name, self.arguments])


@dataclass(frozen=True)
class Turn:
    """One message, whatever shape it came in (OpenAI dict, litellm object, apigen record)."""

    role: str
    content: str
    calls: tuple[Call, ...] = ()
    call_id: str | None = None
    name: str | None = None


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "\n".join(str(_get(p, "text") or "") for p in content)
    return str(content)


def _call(raw: Any) -> Call:
    fn = _get(raw, "function")
    if fn is not None:  # OpenAI shape: arguments is a JSON string
        name, args = str(_get(fn, "name") or ""), _get(fn, "arguments")
    else:  # apigen ToolCall: arguments is a dict
        name, args = str(_get(raw, "name") or ""), _get(raw, "arguments")
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            args = {}
    if not isinstance(args, Mapping):
        args = {}
    return Call(name=name, arguments=dict(args), id=_get(raw, "id"))


def to_turns(messages: Sequence[Any]) -> list[Turn]:
    """Normalise request messages into :class:`Turn` records."""
    turns = []
    for m in messages:
        raw_calls = _get(m, "tool_calls") or ()
        turns.append(
            Turn(
                role=str(_get(m, "role")),
                content=_content_text(_get(m, "content")),
                calls=tuple(_call(c) for c in raw_calls),
                call_id=_get(m, "tool_call_id"),
                name=_get(m, "name"),
            )
        )
    return turns


def is_error_output(text: str) -> bool:
    """A tool message reports a failure: it starts with ``Error`` or is ``{"error": ...}``."""
    stripped = text.strip()
    if stripped.lower().startswith("error"):
        return True
    try:
        data = json.loads(stripped)
    except ValueError:
        return False
    return isinstance(data, dict) and set(data) == {"error"}


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
        shown = {humanize(str(k)): render_value(v) for k, v in value.items()}
        return ", ".join(f"{k} {v}" for k, v in shown.items() if v)
    shown = [render_value(v) for v in value]
    return ", ".join(s for s in shown if s)


def tool_like(names: Iterable[str], text: str) -> list[str]:
    """Tool names written as identifiers in ``text`` (``close_account``, ``getUser``);
    plain-word names such as ``deposit`` are ordinary English and do not count."""
    found = []
    for name in names:
        identifier = "_" in name or name != name.lower()
        if identifier and re.search(rf"\b{re.escape(name)}\b", text):
            found.append(name)
    return found


def humanize(name: str) -> str:
    """``payment_method_id`` -> ``payment method id``."""
    return " ".join(name.replace("-", "_").split("_")).strip()


_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences (e-mail addresses and decimals stay whole)."""
    return [s.strip() for s in _SPLIT.split(text.strip()) if s.strip()]


_PERSON = [
    (r"\byou are\b", "I am"),
    (r"\byou're\b", "I'm"),
    (r"\byou've\b", "I've"),
    (r"\byou'd\b", "I'd"),
    (r"\byou'll\b", "I'll"),
    (r"\byourself\b", "myself"),
    (r"\byours\b", "mine"),
    (r"\byour\b", "my"),
    (
        r"\b(to|for|with|tell|give|send|ask|help|let|call|contact|refund|show|asks|tells)\s+you\b",
        r"\1 me",
    ),
    (r"\byou\b", "I"),
]


def first_person(text: str) -> str:
    """Turn a second-person instruction sentence into what the customer would say."""
    out = text
    for pattern, repl in _PERSON:
        out = re.sub(pattern, repl, out, flags=re.IGNORECASE)
    out = re.sub(r"\bi\b", "I", out)
    return out[:1].upper() + out[1:] if out else out
