"""The composing context: what the generator is shown when it composes the task itself.

From the domain's declarations alone: write tools from a walk along the tool graph's
edges (forbidden successions excluded), or none for an information-only task when
the domain allows them; an entity neighbourhood of the state around a root record;
the identity the human can give (an ``authenticates`` tool whose every parameter is
a field of the root record); and the reads that can ground the writes (never an
``authenticates`` tool the human could not use).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from apigen.env import Environment, TaskSketch, mentions
from apigen.graph import Neighbourhood, field_kinds, sample_neighbourhood, walk_writes
from apigen.llm.sim import field_value
from apigen.types import JSON

__all__ = ["Composition", "compose_context", "contradictions", "identity_options"]


@dataclass(frozen=True)
class Composition:
    """The sampled parts of a composing context."""

    writes: tuple[str, ...]
    reads: tuple[str, ...]
    """Reads that can ground the writes (no ``authenticates`` tool)."""
    neighbourhood: Neighbourhood
    identity: dict[str, JSON] | None
    """``{"tool": name, "arguments": {...}}``: how the human identifies; ``None`` in a
    world without authentication."""


def identity_options(env: Environment, root: JSON) -> list[dict[str, JSON]]:
    """Every ``authenticates`` tool whose parameters are all fields of ``root``, with
    the values: the ways the human can identify."""
    options = []
    for t in env.domain.tools:
        if not t.authenticates:
            continue
        params = list(t.parameters.get("properties", {}))
        values = {p: field_value(root, p) for p in params}
        if params and all(v is not None for v in values.values()):
            options.append({"tool": t.name, "arguments": values})
    return options


def _grounding_reads(env: Environment, graph: nx.DiGraph, writes: tuple[str, ...]) -> list[str]:
    """Reads taking one entity kind a write consumes (what an agent looks up first)."""
    consumed = {k for w in writes for k in graph.nodes[w]["consumes"]}
    return [
        t.name
        for t in env.domain.tools
        if t.kind == "read" and not t.authenticates and t.consumes and t.consumes <= consumed
    ]


def compose_context(
    env: Environment,
    graph: nx.DiGraph,
    rng: random.Random,
    *,
    max_writes: int,
    information_only_rate: float,
    neighbourhood_size: int,
    sketch: TaskSketch | None = None,
) -> Composition:
    """Sample a composing context; with ``sketch`` (a planned hint), its writes and user
    are kept so the hint and the neighbourhood agree."""
    domain = env.domain
    if sketch is not None:
        writes = tuple(s.call.name for s in sketch.steps)
    elif domain.allows_information_only and rng.random() < information_only_rate:
        writes = ()
    else:
        count = rng.choices(range(1, max_writes + 1), weights=[0.6, 0.3, 0.1][:max_writes])[0]
        writes = tuple(walk_writes(graph, rng, count, domain.forbids))
    consumed = {k for w in writes for k in graph.nodes[w]["consumes"]}
    root = sketch.user if sketch is not None else None
    nb = sample_neighbourhood(
        env, rng, consumed=consumed, max_records=neighbourhood_size, root_key=root
    )
    options = identity_options(env, nb.root_record)
    if sketch is not None and sketch.auth:
        options = [o for o in options if o["tool"] == sketch.auth[0].name] or options
    identity = rng.choice(options) if options else None
    reads = _grounding_reads(env, graph, writes) if writes else _info_reads(env)
    return Composition(writes, tuple(reads), nb, identity)


def _info_reads(env: Environment) -> list[str]:
    return [
        t.name for t in env.domain.tools if t.kind == "read" and not t.authenticates and t.consumes
    ]


def tool_entities(env: Environment) -> dict[str, dict[str, str]]:
    """Per tool, the entity kind of each id parameter (what the prompt shows)."""
    kinds = field_kinds(env.domain)
    return {
        t.name: {p: kinds[p] for p in t.parameters.get("properties", {}) if p in kinds}
        for t in env.domain.tools
    }


def contradictions(variables: Mapping[str, Any], env: Environment) -> list[str]:
    """What a rendered context would contradict itself on: an ``authenticates`` tool
    in the chain the human's identity facts cannot feed; a read or authentication of
    the sketch the chain does not show; an identity the neighbourhood does not hold."""
    tools = env.domain.tool_map
    chain = list(variables.get("chain") or [])
    task = variables.get("task") or {}
    identity = variables.get("identity") or {}
    facts = {str(v) for v in (task.get("identity") or {}).values()}
    facts |= {str(v) for v in (identity.get("arguments") or {}).values()}
    problems = []
    for name in chain:
        t = tools.get(name)
        if t is None:
            problems.append(f"chain names unknown tool {name}")
            continue
        if t.authenticates:
            used = [c for c in task.get("auth", ()) if c["name"] == name]
            if identity.get("tool") == name:
                used.append(identity)
            args = [v for c in used for v in c["arguments"].values()]
            if not used or not all(any(mentions(f, str(v)) for f in facts) for v in args):
                problems.append(f"chain names {name} but the human cannot identify with it")
    for step in task.get("steps", ()):
        for call in step.get("reads", ()):
            if call["name"] not in chain:
                problems.append(f"sketch read {call['name']} is not in the chain")
    for call in task.get("auth", ()):
        if call["name"] not in chain:
            problems.append(f"sketch authentication {call['name']} is not in the chain")
    nb = variables.get("neighbourhood")
    if nb and identity:
        root = nb["records"][nb["root"][0]][nb["root"][1]]
        for p, v in identity["arguments"].items():
            if field_value(root, p) != v:
                problems.append(f"identity {p}={v!r} is not in the root record")
    return problems
