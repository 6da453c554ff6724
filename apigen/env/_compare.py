"""How a domain's record fields compare: one rule for the state verdict, the policy
checks and ``Domain.reachable``.

A domain declares, per table and field, how an episode's value is held to the
ground truth's (:class:`Comparison`); undeclared fields compare exactly (JSON
equality, where ``1 == 1.0``):

- ``"text"``: case-insensitive, surrounding and repeated whitespace ignored
  (enumerations and free text: ``"Ordered by mistake"`` = ``"ordered by mistake"``);
- ``"number"``: by value to the cent (``38.7`` = ``38.70`` = ``"38.70"``);
- ``"optional"``: the field comes from an optional argument; the episode leaving
  it empty (absent or ``None``) matches whatever the ground truth set.

Kinds combine (``("text", "optional")``). :func:`same_text` and
:func:`same_number` are the two value rules, for policy checks to use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from apigen.types import JSON

__all__ = ["Comparison", "FieldKind", "same_number", "same_text"]

FieldKind = Literal["text", "number", "optional"]


def same_text(a: object, b: object) -> bool:
    """Both strings, equal ignoring case and whitespace runs (else plain equality)."""
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.casefold().split()) == " ".join(b.casefold().split())
    return a == b


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value).replace(",", "").lstrip("$").strip())
    except InvalidOperation:
        return None


def same_number(a: object, b: object) -> bool:
    """Equal as amounts to the cent (numbers or numeric strings; else plain equality)."""
    x, y = _decimal(a), _decimal(b)
    if x is None or y is None or not (x.is_finite() and y.is_finite()):
        return a == b
    return abs(x - y) < Decimal("0.005")


@dataclass(frozen=True)
class Comparison:
    """Per-table field kinds: ``{"orders": {"cancel_reason": "text"}}``."""

    fields: Mapping[str, Mapping[str, FieldKind | tuple[FieldKind, ...]]] = field(
        default_factory=dict
    )

    def kinds(self, table: str, name: str) -> tuple[FieldKind, ...]:
        declared = self.fields.get(table, {}).get(name, ())
        return (declared,) if isinstance(declared, str) else tuple(declared)

    def same_field(self, table: str, name: str, got: JSON, want: JSON) -> bool:
        """Whether the episode's value ``got`` of ``table.name`` matches ``want``."""
        if got == want:
            return True
        kinds = self.kinds(table, name)
        if "optional" in kinds and got is None:
            return True
        if "text" in kinds and same_text(got, want):
            return True
        return "number" in kinds and same_number(got, want)

    def differing(self, table: str, got: JSON, want: JSON) -> list[str]:
        """Fields of two records of ``table`` that do not match, sorted."""
        if not isinstance(got, dict) or not isinstance(want, dict):
            return [] if got == want else ["<record>"]
        return sorted(
            k
            for k in set(got) | set(want)
            if not self.same_field(table, k, got.get(k), want.get(k))
        )

    def same(self, table: str, got: JSON, want: JSON) -> bool:
        """Whether record ``got`` matches ``want`` (``None`` = absent)."""
        if got is None or want is None:
            return got is want
        return not self.differing(table, got, want)
