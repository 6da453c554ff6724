"""Export tests use ExportRecords built from the toy domain (no database needed)."""

from __future__ import annotations

import pytest

from apigen.env import register_domain
from apigen.export import ExportRecord
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
