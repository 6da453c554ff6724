"""The one dedup arbiter: the lowest item index owns a blueprint fingerprint.

Workers claim an accepted blueprint's fingerprint as soon as it is accepted (a Ray
actor on the ``ray`` backend, the same object in process on ``local``) and skip
the trials of a duplicate. The item writer keeps its own arbiter over what it has
written and settles the rare late case: a lower index finishing after a higher
one with the same fingerprint was written demotes the higher one. Either way the
outcome does not depend on timing: the lowest index holding a fingerprint owns it.
"""

from __future__ import annotations

from apigen.store import ItemResult
from apigen.types import StageOutcome, Trajectory, Verdict

__all__ = ["DedupArbiter", "as_duplicate"]


class DedupArbiter:
    """Owner (lowest item index) of each accepted blueprint fingerprint."""

    def __init__(self, owners: dict[str, int] | None = None) -> None:
        self._owners = dict(owners or {})

    def owner(self, fingerprint: str) -> int | None:
        """The current owner of ``fingerprint`` (``None`` when unclaimed)."""
        return self._owners.get(fingerprint)

    def claim(self, fingerprint: str, index: int) -> int:
        """Consider ``index`` for ``fingerprint`` and return the owner: ``index`` when it
        is the lowest so far, else the lower index that holds it."""
        owner = min(self._owners.get(fingerprint, index), index)
        self._owners[fingerprint] = owner
        return owner


def as_duplicate(item: ItemResult, owner: int) -> ItemResult:
    """``item`` with its accepted blueprint failed at ``dedup`` (and its id cleared) and
    its trajectories rejected: item ``owner`` (a lower index) produced the same task."""
    # the first reason is what stats group on: the same for every duplicate; the
    # second names the owner
    reason, owned = "same actions as an earlier item", f"owner: item {owner}"
    blueprints = []
    for bp in item.blueprints:
        if bp.report is not None and bp.report.passed:
            stages = tuple(s for s in bp.report.stages if s.stage != "dedup")
            stage = StageOutcome(stage="dedup", passed=False, reasons=(reason, owned))
            report = bp.report.model_copy(update={"stages": (*stages, stage)})
            bp = bp.model_copy(update={"report": report, "id": None})
        blueprints.append(bp)
    verdict = Verdict(verifier="dedup", passed=False, reasons=(f"blueprint {reason}", owned))
    trajectories: list[Trajectory] = [
        t.model_copy(update={"accepted": False, "verdicts": (*t.verdicts, verdict)})
        for t in item.trajectories
    ]
    return item.model_copy(
        update={"blueprints": tuple(blueprints), "trajectories": tuple(trajectories)}
    )
