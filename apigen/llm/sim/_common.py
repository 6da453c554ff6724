"""Shared plumbing of the sim roles: seeded RNGs, message normalisation, text helpers."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.types import JSON, canonical_json

__all__ = [
    "Call",
    "Turn",
    "derive_rng",
    "field_value",
    "first_person",
    "humanize",
    "is_error_output",
    "sentences",
    "stable_hash",
    "to_turns",
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


def field_value(record: Any, name: str) -> str | int | float | None:
    """The first scalar under key ``name`` anywhere in ``record`` (depth first), or
    ``None``: the ``zip`` of a user whose address is nested."""
    if isinstance(record, Mapping):
        found = record.get(name)
        if isinstance(found, str | int | float):
            return found
        record = list(record.values())
    if isinstance(record, list | tuple):
        for v in record:
            hit = field_value(v, name)
            if hit is not None:
                return hit
    return None


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
