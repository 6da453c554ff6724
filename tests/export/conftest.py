"""Export tests use ExportRecords built from the toy domain (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apigen.env import register_domain
from apigen.export import ExportRecord
from apigen.types import Message
from tests.store.conversations import POLICY, conversation
from tests.support.toy import DOMAIN

TOY_TOOLS = tuple(t.schema for t in DOMAIN.tools)
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


TAU2 = Path(__file__).parents[1] / "data" / "export" / "tau2_airline_30.json"


def tau2_records() -> list[ExportRecord]:
    """30 real τ²-bench airline conversations (claude-sonnet-4-5 agent, gpt-4.1 user;
    38 assistant turns with parallel calls); see tests/data/export/README.md."""
    data = json.loads(TAU2.read_text("utf-8"))
    return [
        ExportRecord(
            id=c["id"],
            domain="airline",
            messages=tuple(Message(**m) for m in c["messages"]),
            tools=tuple(data["tools"]),
            policy=data["policy"],
            group=c["task_id"],
        )
        for c in data["conversations"]
    ]


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
