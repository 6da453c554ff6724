"""Why a trajectory was rejected, in one short key."""

from __future__ import annotations

from apigen.rollout._accept import FINISHED
from apigen.types import Trajectory

__all__ = ["rejection_reason"]


def rejection_reason(trajectory: Trajectory) -> str | None:
    """Why a trajectory was rejected, in one short key (``None`` when accepted):
    its ending when the human did not close the conversation (``max_turns``,
    ``early_reject:policy``, ``provider_error:timeout``…), else the first failed
    verdict (``state``, ``outputs``, ``policy``, ``committee``, ``dedup``)."""
    if trajectory.accepted:
        return None
    if trajectory.ending not in FINISHED:
        return trajectory.ending
    failed = next((v for v in trajectory.verdicts if not v.passed), None)
    return failed.verifier if failed is not None else "unknown"
