"""A BFCL category's entries as blueprints: ground truth parsed, never evaluated."""

from __future__ import annotations

from apigen.adapters._bfcl import bfcl_domain, bfcl_entries
from apigen.adapters._calls import CallSyntaxError, ground_truth_calls
from apigen.adapters._foreign import Imported
from apigen.types import Blueprint

__all__ = ["bfcl_blueprints"]


def bfcl_blueprints(category: str) -> Imported:
    """One blueprint per entry of ``category`` (domain ``bfcl:<entry id>``): the user's
    turns as the instruction, every turn's ground truth as the actions."""
    blueprints, rejected = [], []
    for entry in bfcl_entries(category):
        domain = bfcl_domain(entry["id"])
        if not entry.get("ground_truth"):
            rejected.append((entry["id"], "no ground truth"))
            continue
        try:
            turns = ground_truth_calls(entry["ground_truth"], domain.parameter_names)
        except CallSyntaxError as exc:
            rejected.append((entry["id"], str(exc)))
            continue
        actions = [c for turn in turns for c in turn]
        if not actions:
            rejected.append((entry["id"], "the ground truth makes no call"))
            continue
        asks = [
            " ".join(m["content"] for m in turn if m.get("role") == "user")
            for turn in entry["question"]
        ]
        blueprints.append(
            Blueprint(
                domain=domain.name,
                id=entry["id"],
                instruction="\n".join(f"Turn {i + 1}: {a}" for i, a in enumerate(asks)),
                actions=tuple(actions),
                context={"turns": asks, "calls_per_turn": [len(t) for t in turns]},
            )
        )
    return Imported(blueprints, rejected)
