"""Sampling tool chains: random walks over writes, grounded by the domain's sampler."""

from __future__ import annotations

import random
from dataclasses import dataclass

import networkx as nx

from apigen.env import Environment, TaskSketch
from apigen.graph._build import tool_graph

__all__ = ["Chain", "sample_chain", "sample_grounded_task"]


@dataclass(frozen=True)
class Chain:
    """A sampled tool chain: every tool in call order, and the write tools among them."""

    tools: tuple[str, ...]
    writes: tuple[str, ...]


def _writes(graph: nx.DiGraph) -> list[str]:
    return sorted(n for n, a in graph.nodes(data=True) if a["kind"] == "write")


def _related(graph: nx.DiGraph, a: str, b: str) -> bool:
    """Two tools are related when they consume a common entity kind."""
    return bool(set(graph.nodes[a]["consumes"]) & set(graph.nodes[b]["consumes"]))


def _levels(graph: nx.DiGraph) -> dict[str, int]:
    """Read tools' distance from the roots (reads that need no entity): a read whose
    inputs are produced only by reads of level < n has level n."""
    reads = [n for n, a in graph.nodes(data=True) if a["kind"] == "read"]
    level: dict[str, int] = {}
    entity_level: dict[str, int] = {}
    for depth in range(len(reads) + 1):
        for r in reads:
            needs = graph.nodes[r]["consumes"]
            if r not in level and all(entity_level.get(e, depth) < depth for e in needs):
                level[r] = depth
        for r, lv in level.items():
            for e in graph.nodes[r]["produces"]:
                entity_level[e] = min(entity_level.get(e, lv), lv)
    return level


def _grounding_reads(graph: nx.DiGraph, tool: str, rng: random.Random) -> list[str]:
    """Reads that produce, back to a root read, every entity kind ``tool`` consumes."""
    level = _levels(graph)
    order: list[str] = []

    def ground(entity: str, below: int) -> None:
        producers = [
            r for r, lv in level.items() if lv < below and entity in graph.nodes[r]["produces"]
        ]
        if not producers:
            return
        lowest = min(level[p] for p in producers)
        pick = rng.choice(sorted(p for p in producers if level[p] == lowest))
        for need in graph.nodes[pick]["consumes"]:
            ground(need, level[pick])
        if pick not in order:
            order.append(pick)

    for entity in graph.nodes[tool]["consumes"]:
        ground(entity, len(level) + 1)
    return order


def sample_chain(
    graph: nx.DiGraph, rng: random.Random, *, max_writes: int = 3, extra_read: float = 0.35
) -> Chain:
    """A random walk over write tools (each next write related to the previous by a
    shared entity kind when possible), preceded by the reads that ground them; with
    probability ``extra_read`` per write, one more read whose inputs are available."""
    writes = _writes(graph)
    if not writes:
        raise ValueError(f"domain {graph.graph.get('domain')!r} has no write tools")
    count = rng.choices(range(1, max_writes + 1), weights=[0.6, 0.3, 0.1][:max_writes] or None)[0]
    walk = [rng.choice(writes)]
    while len(walk) < count:
        related = [w for w in writes if _related(graph, walk[-1], w)]
        walk.append(rng.choice(related or writes))
    tools: list[str] = []
    for write in walk:
        for read in _grounding_reads(graph, write, rng):
            if read not in tools:
                tools.append(read)
        if rng.random() < extra_read:
            # Reads are free to appear beyond the minimum: one more whose inputs we have.
            have = {e for t in tools for e in graph.nodes[t]["produces"]}
            extra = sorted(
                n
                for n, a in graph.nodes(data=True)
                if a["kind"] == "read"
                and n not in tools
                and a["consumes"]
                and set(a["consumes"]) <= have
            )
            if extra:
                tools.append(rng.choice(extra))
        tools.append(write)
    return Chain(tools=tuple(tools), writes=tuple(walk))


def sample_grounded_task(
    env: Environment,
    rng: random.Random,
    *,
    graph: nx.DiGraph | None = None,
    max_writes: int = 3,
    attempts: int = 20,
) -> tuple[Chain, TaskSketch] | None:
    """Sample chains until the domain grounds one in real entities (or give up: ``None``)."""
    graph = graph if graph is not None else tool_graph(env.domain)
    db = env.db
    for _ in range(attempts):
        chain = sample_chain(graph, rng, max_writes=max_writes)
        sketch = env.domain.sample_task(db, rng, chain.writes)
        if sketch is not None:
            return chain, sketch
    return None
