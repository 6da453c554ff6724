"""Sampling tool chains: walks along the graph's edges over writes; planner grounding."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from apigen.env import Environment, TaskSketch
from apigen.graph._build import tool_graph

__all__ = ["Chain", "sample_chain", "sample_grounded_task", "walk_writes"]


@dataclass(frozen=True)
class Chain:
    """A sampled tool chain: every tool in call order, and the write tools among them."""

    tools: tuple[str, ...]
    writes: tuple[str, ...]


def _writes(graph: nx.DiGraph) -> list[str]:
    return sorted(n for n, a in graph.nodes(data=True) if a["kind"] == "write")


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


def walk_writes(
    graph: nx.DiGraph,
    rng: random.Random,
    count: int,
    forbids: Callable[[str, str], bool] | None = None,
) -> list[str]:
    """A random walk of at most ``count`` write tools along the graph's edges: each next
    write is a successor of the previous one (an entity the previous write returns is a
    parameter of the next) that ``forbids(previous, next)`` allows, and, for every
    earlier write, ``forbids(earlier, next)`` allows too. The walk ends early when no
    successor is allowed."""
    writes = _writes(graph)
    if not writes:
        raise ValueError(f"domain {graph.graph.get('domain')!r} has no write tools")
    banned = forbids or (lambda _a, _b: False)
    walk = [rng.choice(writes)]
    while len(walk) < count:
        nexts = sorted(
            w
            for w in graph.successors(walk[-1])
            if graph.nodes[w]["kind"] == "write" and not any(banned(e, w) for e in walk)
        )
        if not nexts:
            break
        walk.append(rng.choice(nexts))
    return walk


def sample_chain(
    graph: nx.DiGraph,
    rng: random.Random,
    *,
    max_writes: int = 3,
    extra_read: float = 0.35,
    forbids: Callable[[str, str], bool] | None = None,
) -> Chain:
    """A walk over write tools (:func:`walk_writes`), preceded by the reads that ground
    them; with probability ``extra_read`` per write, one more read whose inputs are
    available."""
    count = rng.choices(range(1, max_writes + 1), weights=[0.6, 0.3, 0.1][:max_writes] or None)[0]
    walk = walk_writes(graph, rng, count, forbids)
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
        chain = sample_chain(graph, rng, max_writes=max_writes, forbids=env.domain.forbids)
        sketch = env.domain.sample_task(db, rng, chain.writes)
        if sketch is not None:
            return chain, sketch
    return None
