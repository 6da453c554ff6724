"""Tool graphs derive from signatures; chains end in writes grounded by reads."""

from __future__ import annotations

import json
import random

import pytest

from apigen.env import Environment
from apigen.errors import UnknownNameError
from apigen.graph import render_graph, sample_chain, sample_grounded_task, tool_graph
from tests.support.toy import DOMAIN


def test_edges_follow_entities() -> None:
    g = tool_graph(DOMAIN)
    assert g.has_edge("find_user", "get_user")  # user_id feeds user_id
    assert g.has_edge("get_user", "deposit")  # account ids in the user record
    assert not g.has_edge("find_user", "deposit")  # a user id is not an account id
    assert g.edges["get_user", "deposit"]["entities"] == ["account_id"]
    assert g.nodes["deposit"]["kind"] == "write"


def test_chains_end_in_grounded_writes() -> None:
    g = tool_graph(DOMAIN)
    rng = random.Random(3)
    for _ in range(200):
        chain = sample_chain(g, rng)
        assert chain.tools[-1] == chain.writes[-1]
        assert 1 <= len(chain.writes) <= 3
        assert chain.tools[0] == "find_user"  # the root read that needs no entity
        produced: set[str] = set()
        for name in chain.tools:
            node = g.nodes[name]
            if node["kind"] == "write":
                assert set(node["consumes"]) <= produced, chain
            produced |= set(node["produces"])


def test_chains_are_seeded() -> None:
    g = tool_graph(DOMAIN)
    a = [sample_chain(g, random.Random(9)) for _ in range(5)]
    b = [sample_chain(g, random.Random(9)) for _ in range(5)]
    assert a == b


def test_grounded_task_uses_real_entities(toy_env: Environment) -> None:
    found = sample_grounded_task(toy_env, random.Random(1))
    assert found is not None
    chain, sketch = found
    assert [s.call.name for s in sketch.steps] == list(chain.writes)
    for step in sketch.steps:
        assert step.call.arguments["account_id"] in toy_env.db.accounts


@pytest.mark.parametrize("fmt", ["json", "dot", "mermaid"])
def test_render(fmt: str) -> None:
    text = render_graph(tool_graph(DOMAIN), fmt)
    assert "deposit" in text
    if fmt == "json":
        data = json.loads(text)
        assert {n["id"] for n in data["nodes"]} >= {"deposit", "find_user"}
    with pytest.raises(UnknownNameError, match="known: dot, json, mermaid"):
        render_graph(tool_graph(DOMAIN), "png")
