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
``walk_writes(graph, rng, count, forbids=None) -> list[str]``
    A seeded walk of at most ``count`` write tools that follows the graph's edges
    (each next write consumes an entity the previous one returns) and skips pairs
    ``forbids(earlier, later)`` rejects (``Domain.forbids``: the domain's declared
    forbidden successions); it ends early when no successor is allowed.
``sample_chain(graph, rng, *, max_writes=3, forbids=None) -> Chain``
    :func:`walk_writes` plus the read tools needed to ground every entity the writes
    consume.
``sample_grounded_task(env, rng, ...) -> (Chain, TaskSketch)``
    A chain grounded in real entities of the state by ``domain.sample_task`` (for
    domains with a planner).

Entity neighbourhoods (no domain code)
--------------------------------------
``field_kinds(domain) -> {field or parameter name: entity kind}``
    From the ``Entity`` annotations in every tool's parameter and result types
    (TypedDicts, also ``typing_extensions`` ones, and pydantic models).
``entity_tables(env) -> {table: kind | None}``
    Tables of mapping records; a table's kind is the annotated kind of the field
    holding each record's own key.
``root_tables(env, consumed)``
    Where a neighbourhood starts: the tables of the kinds ``authenticates`` tools
    identify, else of the kinds ``consumed``, else any entity table.
``sample_neighbourhood(env, rng, *, consumed, max_records=12, at_least=2, root_key=None)``
    -> :class:`Neighbourhood` (``root``, ``records`` by table and key, ``kinds``): a
    root record, the records it references (a string leaf equal to another record's
    key) and that reference it, then the records those reference, bounded; each kind
    in ``consumed`` gets ``at_least`` records. The reference index is built once per
    environment.
"""

from apigen.graph._build import render_graph, tool_graph
from apigen.graph._neighbourhood import (
    Neighbourhood,
    entity_tables,
    field_kinds,
    root_tables,
    sample_neighbourhood,
)
from apigen.graph._sample import Chain, sample_chain, sample_grounded_task, walk_writes

__all__ = [
    "Chain",
    "Neighbourhood",
    "entity_tables",
    "field_kinds",
    "render_graph",
    "root_tables",
    "sample_chain",
    "sample_grounded_task",
    "sample_neighbourhood",
    "tool_graph",
    "walk_writes",
]
