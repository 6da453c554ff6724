"""Context sampling: deterministic per attempt, varied across attempts, recorded in full."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from apigen.blueprints import (
    AttemptSpec,
    Phase1Config,
    PromptTemplates,
    dump_blueprint,
    load_personas,
    policy_sections,
    sample_context,
    sketch_from_json,
    sketch_to_json,
)
from apigen.blueprints._sampling import load_examples, pick_few_shots
from apigen.env import Environment
from apigen.errors import ConfigError
from apigen.types import Blueprint, ToolCall

POLICY = """# Shop policy

Be polite.

## General rules
Authenticate first.

## Cancelling orders
Only pending orders can be cancelled with cancel_pending_order.

## Returns
Delivered orders can be returned with return_delivered_order_items.

### Refunds for returns
Refund to the original payment method.
"""


def test_personas_are_many_and_distinct() -> None:
    personas = load_personas()
    assert len(personas) >= 100
    assert len(set(personas)) == len(personas)
    assert all(len(p) > 30 for p in personas)


def test_policy_sections_follow_the_chain() -> None:
    text, headings = policy_sections(
        POLICY, ("get_order", "cancel_pending_order"), ("cancel_pending_order",)
    )
    assert headings == ["General rules", "Cancelling orders"]
    assert "Be polite." in text and "Only pending orders" in text and "Delivered" not in text
    text, headings = policy_sections(
        POLICY, ("return_delivered_order_items",), ("return_delivered_order_items",)
    )
    assert headings == ["General rules", "Returns", "Refunds for returns"]
    assert policy_sections("no headings at all", ("x",), ("x",)) == ("no headings at all", [])


def test_same_spec_same_context_and_record(toy_env: Environment) -> None:
    config = Phase1Config()
    a = sample_context(AttemptSpec(domain="toy", seed=4, index=7), toy_env, config)
    b = sample_context(AttemptSpec(domain="toy", seed=4, index=7), toy_env, config)
    assert a.record() == b.record()
    record = a.record()
    assert record["user"] == a.sketch.user and record["episode"] == "toy/4/7"
    assert record["writes"] and set(record["writes"]) <= set(record["chain"])
    assert sketch_from_json(sketch_to_json(a.sketch)) == a.sketch


def _examples(folder: Path) -> list[Blueprint]:
    shots = [
        ("deposit", ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": 5})),
        ("close", ToolCall(name="close_account", arguments={"account_id": "a1_0"})),
        ("both", ToolCall(name="deposit", arguments={"account_id": "a2_0", "amount": 9})),
    ]
    for name, call in shots:
        bp = Blueprint(
            id=f"toy-{name}",
            domain="toy",
            instruction=f"You want {name}.",
            actions=(ToolCall(name="find_user", arguments={"email": "e"}), call),
        )
        dump_blueprint(bp, folder / f"{name}.yaml")
    (folder / "broken.yaml").write_text("domain: [", encoding="utf-8")
    return load_examples(folder, "toy")


def test_few_shots_prefer_shared_write_tools(tmp_path: Path) -> None:
    examples = _examples(tmp_path)
    assert [e.id for e in examples] == ["toy-both", "toy-close", "toy-deposit"]
    picked = pick_few_shots(examples, ("close_account",), 1, random.Random(0))
    assert [p.id for p in picked] == ["toy-close"]
    picked = pick_few_shots(examples, ("deposit",), 2, random.Random(0))
    assert {p.id for p in picked} == {"toy-both", "toy-deposit"}


def test_samplers_vary_across_attempts(toy_env: Environment, tmp_path: Path) -> None:
    examples = _examples(tmp_path)
    config = Phase1Config()
    contexts = [
        sample_context(AttemptSpec(domain="toy", index=i), toy_env, config, examples)
        for i in range(60)
    ]
    with_persona = sum(c.persona is not None for c in contexts)
    shots = Counter(len(c.few_shots) for c in contexts)
    assert 30 < with_persona < 60
    assert shots[0] > 5 and len(shots) >= 3  # some without few-shots, varying counts
    assert len({c.sketch.user for c in contexts}) > 5
    assert len({c.writes for c in contexts}) >= 2
    none = Phase1Config(persona_rate=0, few_shot_rate=0)
    bare = sample_context(AttemptSpec(domain="toy", index=3), toy_env, none, examples)
    assert bare.persona is None and bare.few_shots == ()


def test_user_templates_override_by_name(tmp_path: Path) -> None:
    (tmp_path / "reviewer.j2").write_text("Judge {{ blueprint }} strictly.", encoding="utf-8")
    templates = PromptTemplates(tmp_path)
    assert templates.render("reviewer.j2", blueprint="B") == "Judge B strictly.\n"
    assert templates.source("reviewer.j2") == tmp_path / "reviewer.j2"
    assert templates.source("generator.j2").name == "generator.j2"
    (tmp_path / "feedback.j2").write_text("{{ nope }}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feedback\.j2.*'nope' is undefined"):
        templates.render("feedback.j2")
    with pytest.raises(ConfigError, match="templates_dir"):
        PromptTemplates(tmp_path / "missing")
