"""Ballots, member votes and the aggregation rules that turn them into one decision."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from apigen.committee._parse import ParsedAnswer, Scale, Unreadable
from apigen.types import Vote

__all__ = [
    "AggregationRule",
    "Ballot",
    "CastMajority",
    "CriterionMajority",
    "Decision",
    "agreement",
    "correction_text",
    "retry_note",
]


def retry_note(reason: object) -> str:
    """What a re-asked member is told about its previous answer."""
    return f"Your previous answer could not be read ({reason}). Answer with the JSON object only."


@dataclass(frozen=True)
class Ballot:
    """One member's final answer: scores, or why it abstained, after ``asks`` asks;
    ``text`` is the last answer as given (abstentions quote its start)."""

    member: str
    answer: ParsedAnswer | Unreadable
    asks: int = 1
    text: str | None = None


@dataclass(frozen=True)
class Decision:
    """What a committee decided: passed or not, a score in [0, 1] where the rule has
    one, reasons (failures first, a summary last) and every member's vote in order."""

    passed: bool
    score: float | None
    reasons: tuple[str, ...]
    votes: tuple[Vote, ...]


class AggregationRule(Protocol):
    """Turns the ballots of a committee into a :class:`Decision`."""

    def decide(
        self, ballots: Sequence[Ballot], criteria: Sequence[str], scale: Scale
    ) -> Decision: ...


def correction_text(answer: ParsedAnswer) -> str:
    """The member's proposed correction as one line; ``""`` when it proposed none."""
    value = answer.correction
    if value is None or (isinstance(value, str) and value.strip().lower() in _NO_CORRECTION):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(text.split())


_NO_CORRECTION = frozenset({"", "null", "none", "n/a", "na", "-", "no correction needed"})


def agreement(votes: Sequence[Vote], criteria: Sequence[str], scale: Scale) -> list[str]:
    """Where the members who voted agreed and where they split, one line per criterion
    (``completeness: all 3 fail``, ``creativity: split, 2 pass (m#1, m#2), 1 fails
    (m#3)``); abstentions are named on a last line. What the feedback generator reads."""
    cast = [v for v in votes if v.passed is not None and v.scores]
    lines = []
    for c in criteria:
        yes = [v.judge for v in cast if v.scores.get(c, scale.low) >= scale.mark]
        no = [v.judge for v in cast if v.scores.get(c, scale.low) < scale.mark]
        if not no or not yes:
            lines.append(f"{c}: all {len(cast)} {'pass' if yes else 'fail'}")
        else:
            lines.append(
                f"{c}: split, {len(yes)} pass ({', '.join(yes)}), {len(no)} fail ({', '.join(no)})"
            )
    abstained = [v.judge for v in votes if v.passed is None]
    if abstained:
        lines.append(f"abstained: {', '.join(abstained)}")
    return lines


def _meets(passed: Mapping[str, bool], threshold: float, required: Sequence[str]) -> bool:
    share = sum(passed.values()) / len(passed) if passed else 0.0
    return share >= threshold and all(passed.get(c, False) for c in required)


def _vote(
    ballot: Ballot, criteria: Sequence[str], scale: Scale, threshold: float, required: Sequence[str]
) -> Vote:
    answer = ballot.answer
    if isinstance(answer, Unreadable):
        why = f"abstained: {answer}" + (f" (after {ballot.asks} asks)" if ballot.asks > 1 else "")
        said = " ".join((ballot.text or "").split())
        if said:
            why += f"; last answer {said[:120]!r}" + ("…" if len(said) > 120 else "")
        return Vote(judge=ballot.member, passed=None, rationale=why)
    passed = {c: answer.scores[c] >= scale.mark for c in criteria}
    critiques = [
        f"{c}: {answer.reasons.get(c, 'no reason given')}" for c in criteria if not passed[c]
    ]
    rationale = "; ".join(critiques)
    if answer.rationale:
        rationale = f"{rationale} | {answer.rationale}" if rationale else answer.rationale
    fix = correction_text(answer)
    if fix:
        rationale = f"{rationale} | correction: {fix}" if rationale else f"correction: {fix}"
    mean = sum(scale.normalize(answer.scores[c]) for c in criteria) / len(criteria)
    return Vote(
        judge=ballot.member,
        passed=_meets(passed, threshold, required),
        score=round(mean, 4),
        scores=dict(answer.scores),
        rationale=rationale,
    )


@dataclass(frozen=True)
class CriterionMajority:
    """Phase 1's rule: a criterion passes when a strict majority of the readable
    ballots pass it (a tie or no readable ballot fails); the committee passes when
    (criteria passed)/(criteria) >= ``threshold`` and every ``required`` criterion
    passed. Reasons name each failed criterion with its count and the critiques of
    the members who failed it; a passing decision carries one summary line."""

    threshold: float = 0.75
    required: tuple[str, ...] = ()

    def decide(self, ballots: Sequence[Ballot], criteria: Sequence[str], scale: Scale) -> Decision:
        votes = tuple(_vote(b, criteria, scale, self.threshold, self.required) for b in ballots)
        readable = [b for b in ballots if isinstance(b.answer, ParsedAnswer)]
        passed: dict[str, bool] = {}
        reasons: list[str] = []
        for c in criteria:
            failing = [
                b
                for b in readable
                if isinstance(b.answer, ParsedAnswer) and b.answer.scores[c] < scale.mark
            ]
            yes = len(readable) - len(failing)
            passed[c] = yes > len(failing)
            if passed[c]:
                continue
            # Equal critiques (deterministic members) are listed once, with their members.
            critiques: dict[str, list[str]] = {}
            for b in failing:
                assert isinstance(b.answer, ParsedAnswer)
                critiques.setdefault(b.answer.reasons.get(c, "no reason given"), []).append(
                    b.member
                )
            detail = "; ".join(f"{', '.join(ms)}: {why}" for why, ms in critiques.items())
            reasons.append(
                f"{c}: {yes}/{len(readable)} members passed" + (f" — {detail}" if detail else "")
            )
        ok = bool(readable) and _meets(passed, self.threshold, self.required)
        if not ok:  # members' proposed fixes, each listed once, feed the next round
            fixes: dict[str, list[str]] = {}
            for b in readable:
                assert isinstance(b.answer, ParsedAnswer)
                fix = correction_text(b.answer)
                if fix:
                    fixes.setdefault(fix, []).append(b.member)
            reasons += [f"correction ({', '.join(ms)}): {fix}" for fix, ms in fixes.items()]
        mean = sum(passed.values()) / len(passed) if passed else 0.0
        summary = f"voted mean {mean:.2f} ({sum(passed.values())}/{len(passed)} criteria)"
        abstained = [v.judge for v in votes if v.passed is None]
        if abstained:
            summary += f"; abstained: {', '.join(abstained)}"
        if not readable:
            reasons.insert(0, "every member abstained")
        missing = [c for c in self.required if not passed.get(c, False)]
        if missing and readable:
            summary += f"; required criteria failed: {', '.join(missing)}"
        return Decision(ok, round(mean, 4), tuple([summary] if ok else [*reasons, summary]), votes)


@dataclass(frozen=True)
class CastMajority:
    """Phase 2's rule: each member votes pass or fail (its own scores must reach
    ``threshold`` of the criteria, default all, and every ``required`` one); the
    committee passes when more cast votes pass than fail. Abstentions are not cast.
    Score: passing share of cast votes (``None`` when none was cast)."""

    threshold: float = 1.0
    required: tuple[str, ...] = ()

    def decide(self, ballots: Sequence[Ballot], criteria: Sequence[str], scale: Scale) -> Decision:
        votes = tuple(_vote(b, criteria, scale, self.threshold, self.required) for b in ballots)
        yes = sum(v.passed is True for v in votes)
        no = sum(v.passed is False for v in votes)
        reasons = [f"{yes} pass, {no} fail, {len(votes) - yes - no} abstain"]
        reasons += [f"{v.judge}: {v.rationale}" for v in votes if v.passed is False and v.rationale]
        score = round(yes / (yes + no), 4) if yes + no else None
        return Decision(yes > no, score, tuple(reasons), votes)
