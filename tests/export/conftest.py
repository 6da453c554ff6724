"""Export tests use ExportRecords built from the toy domain (no database needed)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from apigen.env import register_domain
from apigen.export import ExportOptions, ExportRecord, InvalidRecord
from apigen.export._convert import prepare
from tests.store.conversations import POLICY, conversation
from tests.support.corpora import TAU2, tau2_message
from tests.support.toy import DOMAIN

TOY_TOOLS = tuple(t.schema for t in DOMAIN.tools)
OPTS = ExportOptions(format="openai", out=Path("unused.jsonl"))
CALLS = [
    ("find_user", {"email": "user1@example.com"}),
    ("deposit", {"account_id": "a1_0", "amount": 5}),
]


@pytest.fixture(autouse=True)
def _toy_domain() -> None:
    register_domain(DOMAIN)


def record(
    rid: str = "t1", *, reasoning: str | None = None, parallel: bool = False
) -> ExportRecord:
    return ExportRecord(
        id=rid,
        domain="toy",
        messages=conversation(CALLS, reasoning=reasoning, parallel=parallel),
        tools=TOY_TOOLS,
        policy=POLICY,
    )


DATA = Path(__file__).parents[1] / "data"
TAU2_CONTEXT = DATA / "export" / "tau2_airline_context.json"


@cache
def tau2_records() -> list[ExportRecord]:
    """The first 30 τ²-bench airline conversations (claude-sonnet-4-5 agent, gpt-4.1
    user, with Anthropic thinking as reasoning) that make legal training conversations,
    from the first user message on (the scripted greeting before it is dropped), with
    the airline policy and tool schemas of tests/data/export (README there)."""
    context = json.loads(TAU2_CONTEXT.read_text("utf-8"))
    out: list[ExportRecord] = []
    for sim in json.loads(TAU2.read_text("utf-8"))["simulations"]:
        raw = sim["messages"]
        first_user = next(i for i, m in enumerate(raw) if m["role"] == "user")
        names: dict[str, str] = {}
        rec = ExportRecord(
            id=sim["id"],
            domain="airline",
            messages=tuple(tau2_message(m, names) for m in raw[first_user:]),
            tools=tuple(context["tools"]),
            policy=context["policy"],
            group=sim["task_id"],
        )
        try:
            prepare(rec.id, rec.domain, rec.messages, rec.tools, rec.policy, OPTS)
        except InvalidRecord:
            continue
        out.append(rec)
    return out[:30]


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
