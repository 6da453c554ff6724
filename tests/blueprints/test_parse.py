"""Strict generator parsing and tolerant reviewer parsing: reasons, never exceptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from apigen.blueprints import FORMAT_REASONS, ParsedBlueprint, parse_generation

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
        (GOOD.replace("</actions>", ""), "unclosed_section: <actions>"),
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
        (GOOD.replace('["5 dollars"]', '[{"a": 5}]'), "bad_output: outputs[0]"),
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


CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "answers.yaml").read_text(encoding="utf-8")
)


def test_corpus_covers_every_format_reason_and_many_parsed_shapes() -> None:
    assert {c["rejected"] for c in CORPUS if "rejected" in c} == set(FORMAT_REASONS)
    assert sum("actions" in c for c in CORPUS) >= 15
    assert len({c["id"] for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_corpus_answer_parses_or_is_rejected_with_its_named_reason(case: dict[str, Any]) -> None:
    parsed = parse_generation(case["text"], reasoning=case.get("reasoning"))
    if "rejected" in case:
        assert isinstance(parsed, list), parsed
        named = [r for r in parsed if r.split(":", 1)[0] == case["rejected"]]
        assert named, parsed
        assert any(case.get("detail", "") in r for r in named), parsed
        return
    assert isinstance(parsed, ParsedBlueprint), parsed
    assert case["instruction"] in parsed.instruction
    assert [a.model_dump(include={"name", "arguments"}) for a in parsed.actions] == case["actions"]
    assert list(parsed.outputs) == case["outputs"]


def test_every_reason_is_named_with_a_known_code() -> None:
    for case in CORPUS:
        parsed = parse_generation(case["text"], reasoning=case.get("reasoning"))
        if isinstance(parsed, list):
            assert all(r.split(":", 1)[0] in FORMAT_REASONS for r in parsed), parsed


def test_reasoning_content_is_kept_as_the_reasoning() -> None:
    case = next(c for c in CORPUS if c["id"] == "vllm-reasoning-content-separate")
    parsed = parse_generation(case["text"], reasoning=case["reasoning"])
    assert isinstance(parsed, ParsedBlueprint)
    assert parsed.reasoning is not None and "Olivia Lopez" in parsed.reasoning


def test_real_tool_calls_thinking_and_instructions_of_tau2_parse_exactly() -> None:
    """Claude's tool calls in the 50 tau2 airline simulations, sent in the OpenAI wire
    shape (arguments as a JSON string), after its real thinking text in a <think> block,
    under the task's real instruction: every call comes back exactly."""
    corpus = Path(__file__).parents[1] / "data" / "corpora" / "tau2_airline_claude"
    data = json.loads((corpus / "simulations.json").read_text(encoding="utf-8"))
    tasks = {t["id"]: t for t in data["tasks"]}
    checked = 0
    for sim in data["simulations"]:
        said = tasks[sim["task_id"]]["user_scenario"]["instructions"]["reason_for_call"]
        turns = [m for m in sim["messages"] if m.get("tool_calls")]
        calls = [c for m in turns for c in m["tool_calls"]]
        thinking = " ".join(
            b.get("thinking", "") for m in turns for b in m.get("thinking_blocks") or ()
        )
        wire = [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])},
            }
            for c in calls
        ]
        text = (
            f"<think>{thinking} Now the <actions> list.</think>\n"
            f"<instruction>{said}</instruction>\n<actions>{json.dumps(wire)}</actions>\n"
            "<outputs>[]</outputs>"
        )
        parsed = parse_generation(text)
        if not calls:
            assert isinstance(parsed, list) and parsed[0].startswith("no_actions")
            continue
        assert isinstance(parsed, ParsedBlueprint), parsed
        assert [(a.name, a.arguments) for a in parsed.actions] == [
            (c["name"], c["arguments"]) for c in calls
        ]
        checked += 1
    assert checked >= 40
