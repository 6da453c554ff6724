"""The tolerant parser on a corpus of realistic committee answers (tests/committee/data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from apigen.committee import UNREADABLE, ParsedAnswer, Scale, Unreadable, parse_answer

CRITERIA = {
    "reviewer": ("correctness", "completeness", "satisfaction", "creativity"),
    "judge": ("policy_adherence", "faithfulness", "human_realism"),
}
CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "answers.yaml").read_text(encoding="utf-8")
)


def test_corpus_covers_every_reason_and_both_outcomes() -> None:
    codes = {case["unreadable"] for case in CORPUS if "unreadable" in case}
    assert codes == set(UNREADABLE) - {"provider_error"}
    assert sum("scores" in case for case in CORPUS) >= 20
    assert len({case["id"] for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_corpus_answer_parses_or_is_rejected_with_its_reason(case: dict[str, Any]) -> None:
    scale = Scale(*case["scale"]) if "scale" in case else Scale()
    answer = parse_answer(case["text"], CRITERIA[case["criteria"]], scale)
    if "unreadable" in case:
        assert isinstance(answer, Unreadable), answer
        assert answer.code == case["unreadable"], answer
        return
    assert isinstance(answer, ParsedAnswer), answer
    assert answer.scores == case["scores"]
    for name, reason in case.get("reasons", {}).items():
        assert answer.reasons[name] == reason
    if "reflection" in case:
        assert answer.reflection == case["reflection"]
    if "correction" in case:
        assert answer.correction == case["correction"]


def test_out_of_range_reason_names_the_criterion_and_the_scale() -> None:
    answer = parse_answer('{"criteria": {"a": 2, "b": 1}}', ("a", "b"))
    assert isinstance(answer, Unreadable)
    assert str(answer) == "out_of_range: criterion 'a' scored 2, outside the declared 0-1 scale"


def test_a_later_unreadable_object_does_not_hide_an_earlier_valid_answer() -> None:
    text = '{"criteria": {"a": 1}} and an example of the format: {"criteria": {"a": 7}}'
    answer = parse_answer(text, ("a",))
    assert isinstance(answer, ParsedAnswer) and answer.scores == {"a": 1.0}


def test_scale_marks_and_validation() -> None:
    assert Scale().mark == 0.5 and Scale(0, 10).mark == 5 and Scale(0, 10, 7).mark == 7
    assert Scale(0, 10).normalize(7) == 0.7 and str(Scale(0, 10)) == "0-10"
    with pytest.raises(ValueError):
        Scale(1, 1)
    with pytest.raises(ValueError):
        Scale(0, 1, 2)


@pytest.mark.parametrize(
    "text",
    ["{", "}", "{{{{", '{"a": ', "<think>", "</think>", "{" * 5000, '{"a": 1' * 200, "\x00{}"],
)
def test_garbage_never_crashes(text: str) -> None:
    assert isinstance(parse_answer(text, ("a",)), Unreadable)
