"""Aggregation rules: phase 1's criterion majority and phase 2's majority of cast votes."""

from __future__ import annotations

from apigen.committee import (
    Ballot,
    CastMajority,
    CriterionMajority,
    ParsedAnswer,
    Scale,
    Unreadable,
    agreement,
    correction_text,
)

CRITERIA = ("correctness", "completeness", "satisfaction", "creativity")
PHASE1 = CriterionMajority(threshold=0.75, required=("correctness", "completeness"))
BINARY = Scale()


def ballot(member: str, **scores: float) -> Ballot:
    full = {c: scores.get(c, 1.0) for c in CRITERIA}
    return Ballot(member, ParsedAnswer(full, {c: f"{c} is off" for c in scores}, "overall"))


def abstain(member: str, code: str = "no_json") -> Ballot:
    return Ballot(member, Unreadable(code, "detail"), asks=2)


def test_unanimous_committee_accepts_and_keeps_every_vote() -> None:
    decision = PHASE1.decide([ballot("a"), ballot("b"), ballot("c")], CRITERIA, BINARY)
    assert decision.passed
    assert [v.passed for v in decision.votes] == [True, True, True]
    assert decision.reasons == ("voted mean 1.00 (4/4 criteria)",)


def test_split_committee_is_decided_by_majority_per_criterion() -> None:
    two_pass = [ballot("a"), ballot("b", completeness=0), ballot("c")]
    decision = PHASE1.decide(two_pass, CRITERIA, BINARY)
    assert decision.passed
    assert [v.passed for v in decision.votes] == [True, False, True]
    two_fail = [ballot("a", completeness=0), ballot("b", completeness=0.4), ballot("c")]
    decision = PHASE1.decide(two_fail, CRITERIA, BINARY)
    assert not decision.passed
    assert decision.reasons[0] == "completeness: 1/3 members passed — a, b: completeness is off"
    assert "required criteria failed: completeness" in decision.reasons[-1]


def test_threshold_and_required_criteria() -> None:
    # Creativity alone failing keeps the voted mean at 0.75: accepted by default...
    assert PHASE1.decide([ballot("a", creativity=0)] * 3, CRITERIA, BINARY).passed
    # ...but not with a threshold of 1, and two optional failures drop the mean to 0.5.
    strict = CriterionMajority(threshold=1.0)
    assert not strict.decide([ballot("a", creativity=0)] * 3, CRITERIA, BINARY).passed
    two = [ballot("a", creativity=0, satisfaction=0)] * 3
    assert not PHASE1.decide(two, CRITERIA, BINARY).passed


def test_abstentions_do_not_count_and_ties_fail() -> None:
    decision = PHASE1.decide(
        [ballot("a"), abstain("b"), ballot("c", correctness=0)], CRITERIA, BINARY
    )
    assert not decision.passed  # correctness: 1 of 2 readable votes = tie
    assert decision.votes[1].passed is None
    assert decision.votes[1].rationale == "abstained: no_json: detail (after 2 asks)"
    assert "abstained: b" in decision.reasons[-1]
    assert PHASE1.decide([ballot("a"), abstain("b"), ballot("c")], CRITERIA, BINARY).passed


def test_all_abstaining_fails_with_a_reason() -> None:
    decision = PHASE1.decide([abstain("a"), abstain("b")], CRITERIA, BINARY)
    assert not decision.passed and decision.reasons[0] == "every member abstained"
    cast = CastMajority().decide([abstain("a"), abstain("b")], CRITERIA, BINARY)
    assert not cast.passed and cast.score is None
    assert cast.reasons == ("0 pass, 0 fail, 2 abstain",)


def test_cast_majority_counts_members_not_criteria() -> None:
    ballots = [ballot("a"), ballot("b", creativity=0), ballot("c"), abstain("d")]
    decision = CastMajority().decide(ballots, CRITERIA, BINARY)
    assert decision.passed and decision.score == round(2 / 3, 4)
    assert decision.reasons[0] == "2 pass, 1 fail, 1 abstain"
    assert decision.reasons[1] == "b: creativity: creativity is off | overall"
    tie = CastMajority().decide([ballot("a"), ballot("b", correctness=0)], CRITERIA, BINARY)
    assert not tie.passed


def test_a_ten_point_scale_passes_at_its_mark() -> None:
    ten = Scale(0, 10)
    high = {c: 8.0 for c in CRITERIA}
    ballots = [
        Ballot("a", ParsedAnswer({**high, "correctness": 6})),
        Ballot("b", ParsedAnswer({**high, "correctness": 4})),
    ]
    decision = CastMajority().decide(ballots, CRITERIA, ten)
    assert [v.passed for v in decision.votes] == [True, False]
    assert decision.votes[0].scores["correctness"] == 6
    assert decision.votes[1].score == round((4 + 8 + 8 + 8) / 40, 4)


def test_agreement_names_unanimous_and_split_criteria_and_abstentions() -> None:
    ballots = [ballot("a", creativity=0), ballot("b", completeness=0, creativity=0), abstain("c")]
    votes = PHASE1.decide(ballots, CRITERIA, BINARY).votes
    assert agreement(votes, CRITERIA, BINARY) == [
        "correctness: all 2 pass",
        "completeness: split, 1 pass (a), 1 fail (b)",
        "satisfaction: all 2 pass",
        "creativity: all 2 fail",
        "abstained: c",
    ]


def test_corrections_reach_the_votes_and_a_failing_decision_once_each() -> None:
    fix = "state the order id #W1 in the instruction"
    answers = [
        ParsedAnswer({c: 0.0 if c == "completeness" else 1.0 for c in CRITERIA}, correction=fix),
        ParsedAnswer({c: 0.0 if c == "completeness" else 1.0 for c in CRITERIA}, correction=fix),
        ParsedAnswer({c: 1.0 for c in CRITERIA}, correction="null"),
    ]
    decision = PHASE1.decide(
        [Ballot(m, a) for m, a in zip("abc", answers, strict=True)], CRITERIA, BINARY
    )
    assert not decision.passed
    assert f"correction (a, b): {fix}" in decision.reasons
    assert [("correction" in v.rationale) for v in decision.votes] == [True, True, False]
    assert correction_text(answers[2]) == ""
