"""Code verdicts of acceptance: ending, state, outputs, policy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from apigen.env import Comparison
from apigen.rollout._truth import GroundTruth, describe_difference
from apigen.types import Message, StateDiff, Verdict, Violation

__all__ = [
    "FINISHED",
    "ending_verdict",
    "normalize_output",
    "output_present",
    "outputs_verdict",
    "policy_verdict",
    "state_verdict",
    "unmet_reasons",
]

FINISHED = ("stop", "transfer")
"""Endings where the human closed the conversation."""

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_CURRENCY = re.compile(r"[$€£¥](?=\d)")
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w]|\.\d)")


def normalize_output(text: str) -> str:
    """Case-folded, thousands separators and currency symbols before digits removed,
    whitespace runs collapsed and trimmed: ``" $1,234.50 "`` → ``"1234.50"``."""
    text = _THOUSANDS.sub("", text.casefold())
    text = _CURRENCY.sub("", text)
    return _SPACE.sub(" ", text).strip()


def output_present(expected: str, text: str) -> bool:
    """Whether ``expected`` is stated in ``text``.

    Both sides are normalised (:func:`normalize_output`): case is ignored, thousands
    separators (``1,234`` → ``1234``) and a currency symbol right before a number
    are dropped, surrounding and repeated whitespace is ignored. So ``"$1,234.50"``
    matches ``"1234.50"`` and the other way round: the number carries the
    information and agents write amounts either way. The match must be a whole
    token: it is not glued to letters or digits on either side, and a number is not
    part of a longer number (``"12"`` does not match ``"123"`` or ``"12.50"``),
    and a number is compared by value: ``"$38.7"`` matches ``"38.70"``.
    """
    needle = normalize_output(expected)
    hay = normalize_output(text)
    if not needle:
        return False
    if _NUMBER.fullmatch(needle):
        value = Decimal(needle)
        return any(Decimal(m.group(0)) == value for m in _NUMBER.finditer(hay))
    start = hay.find(needle)
    while start != -1:
        end = start + len(needle)
        if _bounded(hay, start, end, needle):
            return True
        start = hay.find(needle, start + 1)
    return False


def _bounded(hay: str, start: int, end: int, needle: str) -> bool:
    before = hay[start - 1] if start > 0 else ""
    after = hay[end] if end < len(hay) else ""
    if needle[0].isalnum() and before.isalnum():
        return False
    if needle[-1].isalnum() and after.isalnum():
        return False
    if needle[0].isdigit() and before in ".," and start > 1 and hay[start - 2].isdigit():
        return False
    nxt = hay[end + 1] if end + 1 < len(hay) else ""
    return not (needle[-1].isdigit() and after in ".," and nxt.isdigit())


def outputs_verdict(expected: Sequence[str], messages: Sequence[Message]) -> Verdict:
    """Every expected output appears in the agent's text messages."""
    said = "\n".join(m.content or "" for m in messages if m.role == "assistant")
    missing = [e for e in expected if not output_present(e, said)]
    reasons = tuple(f"missing output {e!r}" for e in missing)
    score = 1.0 - len(missing) / len(expected) if expected else 1.0
    return Verdict(verifier="outputs", passed=not missing, score=score, reasons=reasons)


def state_verdict(
    diff: StateDiff, truth: GroundTruth, comparison: Comparison | None = None
) -> Verdict:
    """The episode's final diff matches the ground truth's, fields compared as the
    domain declares (``comparison``; default exact); reasons name differing records."""
    comparison = comparison or Comparison()
    reasons: list[str] = []
    for table in sorted(set(diff) | set(truth.diff)):
        got_rows, want_rows = diff.get(table, {}), truth.diff.get(table, {})
        for key in sorted(set(got_rows) | set(want_rows)):
            got, want = got_rows.get(key), want_rows.get(key)
            if got == want:
                continue
            pristine = (got or want or {}).get("before")
            current = got["after"] if got is not None else pristine
            target = want["after"] if want is not None else pristine
            if not comparison.same(table, current, target):
                why = describe_difference(target, current, table=table, comparison=comparison)
                reasons.append(f"{table}/{key}: {why}")
    return Verdict(verifier="state", passed=not reasons, reasons=tuple(reasons))


def unmet_reasons(
    diff: StateDiff,
    truth: GroundTruth,
    verifiers: Sequence[str],
    *,
    comparison: Comparison | None = None,
    expected: Sequence[str] | None = None,
    messages: Sequence[Message] = (),
) -> tuple[str, ...]:
    """What the configured ``state`` verifier (and, given ``expected``, ``outputs``)
    would still find missing now; empty when nothing is."""
    missing: tuple[str, ...] = ()
    if "state" in verifiers:
        missing += state_verdict(diff, truth, comparison).reasons
    if expected is not None and "outputs" in verifiers:
        missing += outputs_verdict(expected, messages).reasons
    return missing


def policy_verdict(violations: Sequence[Violation]) -> Verdict:
    """No tool call of the episode broke a rule code judges soundly. Violations of
    unsound rules (``Violation.sound`` is ``False``) are listed as ``review: …``
    reasons for the trajectory committee and do not fail the verdict."""

    def line(v: Violation) -> str:
        where = f"call {v.call_index}: " if v.call_index is not None else ""
        return ("" if v.sound else "review: ") + f"{where}{v.rule}: {v.message}"

    failed = [line(v) for v in violations if v.sound]
    review = [line(v) for v in violations if not v.sound]
    return Verdict(verifier="policy", passed=not failed, reasons=(*failed, *review))


def ending_verdict(ending: str) -> Verdict:
    """The human closed the conversation (``stop`` or ``transfer``)."""
    passed = ending in FINISHED
    return Verdict(verifier="ending", passed=passed, reasons=() if passed else (ending,))
