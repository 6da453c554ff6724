"""Phase-1 fixtures: a real client whose models are the offline ``sim/…`` role-players."""

from __future__ import annotations

import pytest

from apigen.llm import LLMClient

FAULTS = ("unknown_tool", "bad_argument", "policy_breach", "missing_fact", "malformed")


def noisy(p: float) -> str:
    """The sim generator with every fault at probability ``p``."""
    return "sim/generator?" + "&".join(f"{f}={p:g}" for f in FAULTS)


@pytest.fixture
def client() -> LLMClient:
    return LLMClient()
