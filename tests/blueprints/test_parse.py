"""Strict generator parsing and tolerant reviewer parsing: reasons, never exceptions."""

from __future__ import annotations

import pytest

from apigen.blueprints import ParsedBlueprint, parse_generation

GOOD = (
    "<reasoning>the user wants a deposit; <instruction> appears here too</reasoning>\n"
    "<instruction>You want to deposit 5 dollars.</instruction>\n"
    '<actions>```json\n[{"name": "deposit", "arguments": {"account_id": "a1", "amount": 5}}]\n```'
    "</actions>\n"
    '<outputs>["5 dollars"]</outputs>'
)


def test_good_answer_parses_with_fences_and_quoted_tags_in_reasoning() -> None:
    parsed = parse_generation(GOOD)
    assert isinstance(parsed, ParsedBlueprint)
    assert parsed.instruction == "You want to deposit 5 dollars."
    assert [a.name for a in parsed.actions] == ["deposit"]
    assert parsed.actions[0].arguments == {"account_id": "a1", "amount": 5}
    assert parsed.outputs == ("5 dollars",)
    assert parsed.reasoning is not None and "deposit" in parsed.reasoning


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (None, "empty answer"),
        (GOOD.replace("<outputs>", "").replace("</outputs>", ""), "missing <outputs>"),
        (GOOD.replace("</actions>", ""), "missing <actions>"),
        (GOOD + "\n<instruction>again</instruction>", "appears 2 times"),
        (GOOD.replace('"amount": 5}', '"amount": 5'), "actions: invalid JSON"),
        (
            GOOD.replace('[{"name"', '{"x": [{"name"').replace("5}}]", "5}}]}"),
            "expected a JSON list",
        ),
        (GOOD.replace('"name": "deposit", ', ""), "actions[0]: missing tool name"),
        (
            '<instruction>x</instruction><actions>[{"name": "deposit", "arguments": [1]}]'
            "</actions><outputs>[]</outputs>",
            "must be an object",
        ),
        (GOOD.replace('["5 dollars"]', "[5]"), "outputs: expected a JSON list of strings"),
        (GOOD.replace("You want to deposit 5 dollars.", " "), "instruction: empty"),
        (
            "<instruction>x</instruction><actions>[]</actions><outputs>[]</outputs>",
            "the list is empty",
        ),
    ],
)
def test_malformed_answers_become_reasons(text: str | None, fragment: str) -> None:
    reasons = parse_generation(text)
    assert isinstance(reasons, list), reasons
    assert any(fragment in r for r in reasons), reasons


def test_instruction_only_when_other_sections_not_needed() -> None:
    parsed = parse_generation("<instruction>Merged task.</instruction>", need=("instruction",))
    assert isinstance(parsed, ParsedBlueprint) and parsed.actions == ()
