"""Who failed: a rejected episode labelled agent, human (the user simulator),
environment or verifier, where the verdicts can tell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from apigen.types import StateDiff, Verdict

__all__ = ["FAILED_BY", "PARTIES", "failed_by", "failure_verdict"]

FAILED_BY = "failed_by"
"""Name of the record a rejected trajectory carries: not a check, the attribution."""

Party = Literal["agent", "human", "environment", "verifier"]
PARTIES: tuple[Party, ...] = ("agent", "human", "environment", "verifier")

_AGENT_ENDINGS = ("max_tool_calls", "max_errors")
_CONVERSATION = ("policy_adherence", "faithfulness")


def failed_by(
    ending: str, verdicts: Sequence[Verdict], diff: StateDiff, truth: StateDiff
) -> tuple[Party, str] | None:
    """``(party, why)`` for a rejected episode, ``None`` when the verdicts cannot tell
    (or nothing failed).

    - **environment**: the episode ended on a provider failure or the time limit;
    - **agent**: early rejection (a flagged call, an irreversible wrong write), too
      many tool calls or errors, a failed ``policy`` or ``outputs`` verdict, a
      ``state`` verdict with a record the agent changed wrongly, or judges voting
      down its policy adherence or faithfulness;
    - **human**: the judges' majority failed the human's realism (and not the agent);
    - **verifier**: the committee failed without a single readable vote.

    Out of turns (``max_turns``), and a ``state`` failure with only missing changes
    (the agent may not have been asked), are left unattributed.
    """
    failed = {v.verifier: v for v in verdicts if not v.passed}
    if not failed:
        return None
    if ending.startswith("provider_error") or ending == "max_duration":
        return "environment", ending
    if ending.startswith("early_reject") or ending in _AGENT_ENDINGS:
        return "agent", ending
    for name in ("policy", "outputs"):
        if name in failed:
            return "agent", f"{name}: {_first(failed[name])}"
    if "state" in failed and _wrong_change(diff, truth):
        return "agent", f"state: {_first(failed['state'])}"
    committee = failed.get("committee")
    if committee is not None:
        return _committee(committee)
    return None


def _committee(verdict: Verdict) -> tuple[Party, str] | None:
    cast = [v for v in verdict.votes if v.passed is not None]
    if not cast:
        return "verifier", "committee: no readable vote"

    def down(criterion: str) -> bool:
        scored = [v.scores[criterion] for v in cast if criterion in v.scores]
        return bool(scored) and sum(s < 0.5 for s in scored) * 2 > len(scored)

    agent = [c for c in _CONVERSATION if down(c)]
    if agent:
        return "agent", f"committee: {', '.join(agent)}"
    if down("human_realism"):
        return "human", "committee: human_realism"
    return None


def _wrong_change(diff: StateDiff, truth: StateDiff) -> bool:
    """Whether the episode changed a record to something other than its target (not
    merely left out a change)."""
    for table, rows in diff.items():
        for key, row in rows.items():
            want = truth.get(table, {}).get(key)
            target = row["before"] if want is None else want["after"]
            if row["after"] != target:
                return True
    return False


def _first(verdict: Verdict) -> str:
    return verdict.reasons[0] if verdict.reasons else "failed"


def failure_verdict(
    ending: str, verdicts: Sequence[Verdict], diff: StateDiff, truth: StateDiff
) -> Verdict | None:
    """The attribution as the record a rejected trajectory keeps: verifier
    :data:`FAILED_BY`, ``passed=False`` (it is only present when the trajectory was
    rejected anyway), ``reasons = (party, why)``; ``None`` when it cannot be told."""
    found = failed_by(ending, verdicts, diff, truth)
    if found is None:
        return None
    return Verdict(verifier=FAILED_BY, passed=False, reasons=found)
