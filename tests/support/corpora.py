"""Real conversations of tests/data/corpora (README there: licence and source) as
apigen records."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from apigen.types import Message, ToolCall

CORPORA = Path(__file__).parents[1] / "data" / "corpora"
TAU2 = CORPORA / "tau2_airline_claude" / "simulations.json"


def tau2_message(m: dict[str, Any], names: dict[str, str]) -> Message:
    """One τ²-bench message as a :class:`Message`; Anthropic thinking becomes
    ``reasoning``. ``names`` maps call ids to tool names (filled as calls appear)."""
    if m["role"] == "tool":
        return Message(role="tool", content=m["content"], tool_call_id=m["id"], name=names[m["id"]])
    calls = tuple(
        ToolCall(name=c["name"], arguments=c["arguments"], id=c["id"])
        for c in m.get("tool_calls") or ()
    )
    names.update({str(c.id): c.name for c in calls})
    thinking = [b["thinking"] for b in m.get("thinking_blocks") or () if b.get("thinking")]
    return Message(
        role=m["role"],
        content=m.get("content"),
        tool_calls=calls,
        reasoning="\n\n".join(thinking) or None,
    )


@cache
def tau2_conversations() -> tuple[tuple[str, tuple[Message, ...]], ...]:
    """Every τ²-bench airline simulation as ``(id, messages)``."""
    out = []
    for sim in json.loads(TAU2.read_text("utf-8"))["simulations"]:
        names: dict[str, str] = {}
        out.append((sim["id"], tuple(tau2_message(m, names) for m in sim["messages"])))
    return tuple(out)


@cache
def tau2_rewards() -> dict[str, float]:
    """τ²-bench's reward of each airline simulation, by id (1.0: rewarded)."""
    sims = json.loads(TAU2.read_text("utf-8"))["simulations"]
    return {sim["id"]: float(sim["reward_info"]["reward"]) for sim in sims}
