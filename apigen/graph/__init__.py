"""Tool dependency graphs and tool-chain sampling.

Public surface
--------------
``tool_graph(domain) -> networkx.DiGraph``
    Nodes are tool names (attributes ``kind``, ``consumes``, ``produces``); an edge
    A -> B (attribute ``entities``) when an entity kind A's result contains is a
    parameter of B, derived from the tools' type hints, plus ``domain.extra_edges``.
``render_graph(graph, fmt) -> str``
    ``json`` (node-link), ``dot`` (Graphviz) or ``mermaid``.
``Chain``
    A sampled chain: ``tools`` (reads and writes in call order) and ``writes``.
``sample_chain(graph, rng, *, max_writes=3) -> Chain``
    A seeded random walk over write tools linked by shared entities, with the read
    tools needed to ground every entity the writes consume.
``sample_grounded_task(env, rng, ...) -> (Chain, TaskSketch)``
    A chain grounded in real entities of the state by ``domain.sample_task``.
"""

from apigen.graph._build import render_graph, tool_graph
from apigen.graph._sample import Chain, sample_chain, sample_grounded_task

__all__ = ["Chain", "render_graph", "sample_chain", "sample_grounded_task", "tool_graph"]
