"""The committee: member identity, concurrent asks, re-asks with the reason, abstention."""

from __future__ import annotations

import asyncio
import json

import pytest

from apigen.committee import CastMajority, Committee, Member, members, retry_note
from apigen.errors import ProviderError

CRITERIA = ("policy_adherence", "faithfulness")


def good(score: int = 1) -> str:
    return json.dumps({"criteria": {c: {"score": score, "reason": "r"} for c in CRITERIA}})


def test_members_keep_their_identity() -> None:
    seats = members(("sim/judge", "openai/gpt-4o", "sim/judge", "sim/judge?disagree=1#b"))
    assert [m.name for m in seats] == [
        "sim/judge#1",
        "openai/gpt-4o",
        "sim/judge#2",
        "sim/judge?disagree=1#b",
    ]
    assert [m.model for m in seats] == [
        "sim/judge",
        "openai/gpt-4o",
        "sim/judge",
        "sim/judge?disagree=1",
    ]
    assert [m.index for m in seats] == [0, 1, 2, 3]


async def test_members_are_asked_concurrently_and_every_vote_is_kept() -> None:
    in_flight = peak = 0

    async def ask(member: Member, attempt: int, why: str | None) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        return good(0 if member.index == 2 else 1)

    committee = Committee.of(["m"] * 4, criteria=CRITERIA, rule=CastMajority())
    decision = await committee.decide(ask)
    assert peak == 4
    assert decision.passed and [v.judge for v in decision.votes] == ["m#1", "m#2", "m#3", "m#4"]
    assert [v.passed for v in decision.votes] == [True, True, False, True]


async def test_unreadable_answers_are_reasked_with_the_reason_then_abstain() -> None:
    asked: list[tuple[str, int, str | None]] = []

    async def ask(member: Member, attempt: int, why: str | None) -> str:
        asked.append((member.name, attempt, why))
        if member.name == "late":
            return good() if attempt == 2 else "Looks fine to me."
        if member.name == "never":
            return '{"criteria": {"policy_adherence": 7, "faithfulness": 9}}'
        return good()

    committee = Committee.of(
        ["ok", "late", "never"], criteria=CRITERIA, rule=CastMajority(), attempts=3
    )
    decision = await committee.decide(ask)
    late = [a for a in asked if a[0] == "late"]
    assert late == [
        ("late", 0, None),
        ("late", 1, "no_json: no {...} object in the answer"),
        ("late", 2, "no_json: no {...} object in the answer"),
    ]
    never = decision.votes[2]
    assert never.passed is None
    assert never.rationale.startswith(
        "abstained: out_of_range: criterion 'policy_adherence' scored 7"
    )
    assert never.rationale.endswith(
        '(after 3 asks); last answer \'{"criteria": {"policy_adherence": 7, "faithfulness": 9}}\''
    )
    assert decision.passed and decision.reasons[0] == "2 pass, 0 fail, 1 abstain"
    assert "could not be read (no_json" in retry_note(late[1][2])


async def test_provider_errors_raise_or_abstain_as_configured() -> None:
    async def ask(member: Member, attempt: int, why: str | None) -> str:
        if member.index == 1:
            raise ProviderError("down", kind="server_error", retryable=True)
        return good()

    raising = Committee.of(["a", "b"], criteria=CRITERIA, rule=CastMajority())
    with pytest.raises(ProviderError):
        await raising.decide(ask)
    abstaining = Committee.of(
        ["a", "b"], criteria=CRITERIA, rule=CastMajority(), provider_errors="abstain"
    )
    decision = await abstaining.decide(ask)
    assert decision.votes[1].passed is None
    assert decision.votes[1].rationale == "abstained: provider_error: server_error"


def test_a_committee_needs_members_criteria_and_an_attempt() -> None:
    with pytest.raises(ValueError):
        Committee.of([], criteria=CRITERIA, rule=CastMajority())
    with pytest.raises(ValueError):
        Committee.of(["a"], criteria=(), rule=CastMajority())
    with pytest.raises(ValueError):
        Committee.of(["a"], criteria=CRITERIA, rule=CastMajority(), attempts=0)
