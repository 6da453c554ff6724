"""``apigen models check``: one request per configured model per role, through the
role's real prompt and parser; sim models offline (numbers describe the sim)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import apigen


def test_the_default_configuration_passes_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = apigen(capsys, "models", "check", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    # every registered role; plug-in roles other tests register come after the built-ins
    assert [r["role"] for r in rows][:6] == [
        "generator",
        "reviewer",
        "feedback",
        "human",
        "agent",
        "judge",
    ]  # a model listed three times (the committees) is checked once
    assert all(r["ok"] and r["reason"] == "" for r in rows)
    assert all(r["prompt_tokens"] > 0 and r["completion_tokens"] > 0 for r in rows)
    assert all(r["latency_s"] >= 0 and r["cost_usd"] is None for r in rows)  # sim: unpriced


def test_unparseable_answers_fail_with_one_line_per_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = apigen(
        capsys,
        "models",
        "check",
        "--model",
        "judge=sim/echo",
        "--model",
        "reviewer=sim/echo,sim/reviewer",
        "--model",
        "human=sim/human",
        "--role",
        "judge",
        "--role",
        "reviewer",
        "--role",
        "human",
    )
    assert code == 1
    lines = err.strip().splitlines()
    failing = {line.split(":")[0] for line in lines}
    assert failing == {"judge", "reviewer"}
    judge = next(line for line in lines if line.startswith("judge:"))
    assert judge.startswith("judge: sim/echo: unreadable scores (no_json")
    reviewer = next(line for line in lines if line.startswith("reviewer:"))
    assert "sim/echo" in reviewer and "unreadable review" in reviewer
    assert "ok   reviewer   sim/reviewer" in out and "ok   human" in out


def test_a_judge_that_answers_like_an_agent_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = apigen(capsys, "models", "check", "--model", "agent=sim/echo", "--role", "agent")
    assert code == 0, err  # echo answers with text: parseable
    code, _, err = apigen(
        capsys, "models", "check", "--model", "judge=sim/agent", "--role", "judge"
    )
    assert code == 1 and err.startswith("judge: sim/agent:")


def test_an_unknown_role_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = apigen(capsys, "models", "check", "--role", "nobody")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
