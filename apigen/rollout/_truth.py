"""The ground truth an episode is held to, and the irreversibility test of early rejection."""

from __future__ import annotations

from dataclasses import dataclass

from apigen.env import Comparison, Domain, Environment
from apigen.types import JSON, Blueprint, StateDiff

__all__ = ["GroundTruth", "changed_records", "ground_truth", "irreversible"]


@dataclass(frozen=True)
class GroundTruth:
    """The net change the blueprint's actions make, replayed in a fresh sandbox."""

    diff: StateDiff

    def target(self, table: str, key: str, pristine: JSON) -> JSON:
        """The record's value after the ground-truth actions (``None`` = absent)."""
        row = self.diff.get(table, {}).get(key)
        return pristine if row is None else row["after"]


def ground_truth(env: Environment, blueprint: Blueprint) -> GroundTruth:
    """Replay ``blueprint.actions`` in a fresh sandbox of ``env`` and keep its diff."""
    box = env.sandbox()
    box.replay(blueprint.actions)
    return GroundTruth(box.diff())


def changed_records(before: StateDiff, after: StateDiff) -> list[tuple[str, str, JSON, JSON]]:
    """Records whose current value differs between two diffs of the same sandbox,
    as ``(table, key, pristine, current)``; ``None`` values mean absent."""
    out: list[tuple[str, str, JSON, JSON]] = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key), new.get(key)
            current_a = a["after"] if a is not None else _pristine(b)
            current_b = b["after"] if b is not None else _pristine(a)
            if current_a != current_b:
                out.append((table, key, _pristine(a if a is not None else b), current_b))
    return out


def _pristine(row: dict[str, JSON] | None) -> JSON:
    return None if row is None else row["before"]


def irreversible(
    domain: Domain,
    truth: GroundTruth,
    changed: list[tuple[str, str, JSON, JSON]],
) -> list[str]:
    """Reasons, one per changed record that differs from its ground-truth final value
    (under ``Domain.comparison``) and that the domain's tools can no longer turn into
    it (``Domain.reachable``).
    Empty when the episode can still reach the ground truth."""
    reasons = []
    for table, key, pristine, current in changed:
        target = truth.target(table, key, pristine)
        if domain.comparison.same(table, current, target):
            continue
        if not domain.reachable(table, current, target):
            why = describe_difference(target, current, table=table, comparison=domain.comparison)
            reasons.append(f"{table}/{key}: {why}; irreversible")
    return reasons


def describe_difference(
    expected: JSON,
    got: JSON,
    *,
    limit: int = 3,
    table: str = "",
    comparison: Comparison | None = None,
) -> str:
    """A short account of how ``got`` differs from ``expected`` (fields, when records,
    compared as ``comparison`` says for ``table``)."""
    if expected is None:
        return "should not exist"
    if got is None:
        return "missing"
    if isinstance(expected, dict) and isinstance(got, dict):
        fields = (comparison or Comparison()).differing(table, got, expected)
        parts = [
            f"{f} {_short(got.get(f))} (expected {_short(expected.get(f))})" for f in fields[:limit]
        ]
        more = f" (+{len(fields) - limit} more fields)" if len(fields) > limit else ""
        return ", ".join(parts) + more
    return f"{_short(got)} (expected {_short(expected)})"


def _short(value: JSON, width: int = 60) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"
