"""The phase-1 funnel: what became of each attempt, per stage, as items are written.

:class:`Funnel` is fed one item at a time (an attempt's drafts in round order, its
usage per role, or the provider error that ended it) and may be fed the same index
again (a late duplicate demotes an earlier-written item): the last entry counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apigen.blueprints._stages import DEFAULT_STAGES, PARSE_STAGE
from apigen.types import Blueprint, Usage, ValidationReport

__all__ = ["Funnel", "format_funnel"]


@dataclass(frozen=True)
class _Entry:
    error: str | None
    recombined: bool
    accepted: bool
    failed_stage: str | None
    reasons: tuple[str, ...]
    round: int | None
    met: tuple[str, ...]
    """Stages failed over all rounds (repaired or not)."""
    usage: tuple[tuple[str, Usage], ...]


def _final(drafts: Sequence[Blueprint]) -> ValidationReport | None:
    return drafts[-1].report if drafts else None


class Funnel:
    """Per-stage funnel of one phase-1 run (see the module docstring)."""

    def __init__(self, domain: str, stages: Sequence[str] = DEFAULT_STAGES) -> None:
        self.domain = domain
        self.stages = tuple(dict.fromkeys((PARSE_STAGE, *stages)))
        """The stages reported, in order (the configured ones, ``format`` first)."""
        self._entries: dict[int, _Entry] = {}

    def add(
        self,
        index: int,
        drafts: Sequence[Blueprint],
        usage: Mapping[str, Usage],
        *,
        error: str | None = None,
        recombined: bool = False,
    ) -> None:
        """Record (or replace) item ``index``: its drafts (the last carries the final
        report; none when no round's answer could be parsed) or its provider error."""
        final = _final(drafts)
        failed = final.failed_stage if final is not None else None
        accepted = error is None and final is not None and final.passed
        stage = None if accepted or error else (failed.stage if failed else PARSE_STAGE)
        reasons = failed.reasons if failed else (() if final else ("no answer could be parsed",))
        met = tuple(
            bp.report.failed_stage.stage
            for bp in drafts
            if bp.report is not None and bp.report.failed_stage is not None
        )
        self._entries[index] = _Entry(
            error=error,
            recombined=recombined,
            accepted=accepted,
            failed_stage=stage,
            reasons=tuple(reasons) if stage else (),
            round=final.round if final is not None else None,
            met=met,
            usage=tuple(usage.items()),
        )

    def result(self) -> dict[str, Any]:
        """Attempts, final failures per stage with top reasons, acceptances, the rounds
        histogram, stage failures met on the way, recombinations, usage per role."""
        sampled = [e for e in self._entries.values() if not e.recombined]
        recombined = [e for e in self._entries.values() if e.recombined]
        done = [e for e in sampled if e.error is None]
        errors = [e.error for e in sampled if e.error is not None]
        accepted = [e for e in done if e.accepted]
        failed: dict[str, Any] = {}
        for stage in self.stages:
            hit = [e for e in done if e.failed_stage == stage]
            reasons = Counter(_shape(r) for e in hit for r in e.reasons)
            failed[stage] = {"count": len(hit), "top_reasons": reasons.most_common(3)}
        seen: Counter[str] = Counter(s for e in done for s in e.met)
        usage: dict[str, Usage] = {}
        for e in self._entries.values():
            for role, u in e.usage:
                usage[role] = usage.get(role, Usage()) + u
        attempted = len(sampled)
        return {
            "domain": self.domain,
            "attempted": attempted,
            "accepted": len(accepted),
            "yield": round(len(accepted) / attempted, 4) if attempted else 0.0,
            "errors": len(errors),
            "error_examples": list(dict.fromkeys(errors))[:3],
            "failed": failed,
            "rounds": dict(sorted(Counter(str(e.round) for e in accepted).items())),
            "failures_repaired_or_not": {s: seen.get(s, 0) for s in self.stages},
            "recombined": {
                "attempted": len(recombined),
                "accepted": sum(e.accepted for e in recombined),
            },
            "usage": {k: v.model_dump() for k, v in sorted(usage.items())},
        }


def _shape(reason: str) -> str:
    """A reason with ids and numbers blanked, so equal causes count together."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    text = re.sub(r"\b[0-9a-f]{12,}\b", "…", text)
    text = re.sub(r"(?<![#\w])\d+(?:\.\d+)?(?!\w)", "#", text)
    return text if len(text) <= 160 else text[:159] + "…"


def format_funnel(funnel: Mapping[str, Any]) -> list[str]:
    """The funnel as text lines: attempts, failures per stage with top reasons,
    acceptances and the rounds they needed."""
    lines = [f"attempted  {funnel['attempted']}"]
    if funnel["errors"]:
        lines.append(f"  provider errors  {funnel['errors']}")
        lines += [f"      {example}" for example in funnel["error_examples"]]
    for stage, entry in funnel["failed"].items():
        lines.append(f"  failed at {stage:<10} {entry['count']}")
        for reason, count in entry["top_reasons"]:
            lines.append(f"      {count:>4} × {reason}")
    lines.append(f"accepted   {funnel['accepted']}  (yield {funnel['yield']:.1%})")
    rounds = ", ".join(f"round {k}: {v}" for k, v in funnel["rounds"].items()) or "none"
    lines.append(f"  accepted at  {rounds}")
    met = ", ".join(f"{k} {v}" for k, v in funnel["failures_repaired_or_not"].items() if v)
    lines.append(f"  stage failures over all rounds: {met or 'none'}")
    recombined = funnel["recombined"]
    if recombined["attempted"]:
        lines.append(f"recombined {recombined['accepted']}/{recombined['attempted']} accepted")
    return lines
