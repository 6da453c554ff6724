"""Deriving a domain's tool dependency graph and rendering it."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from apigen.env import Domain
from apigen.errors import UnknownNameError

__all__ = ["render_graph", "tool_graph"]


def tool_graph(domain: Domain) -> nx.DiGraph:
    """The tool dependency graph of ``domain`` (see the package docstring)."""
    graph = nx.DiGraph(domain=domain.name)
    for t in domain.tools:
        graph.add_node(
            t.name, kind=t.kind, consumes=sorted(t.consumes), produces=sorted(t.produces)
        )
    for a in domain.tools:
        for b in domain.tools:
            shared = a.produces & b.consumes
            if a is not b and shared:
                graph.add_edge(a.name, b.name, entities=sorted(shared), derived=True)
    for src, dst in domain.extra_edges:
        for name in (src, dst):
            if name not in graph:
                raise ValueError(f"{domain.name}.extra_edges names unknown tool {name!r}")
        graph.add_edge(src, dst, entities=[], derived=False)
    return graph


def _json(graph: nx.DiGraph) -> str:
    data = {
        "domain": graph.graph.get("domain"),
        "nodes": [{"id": n, **attrs} for n, attrs in sorted(graph.nodes(data=True))],
        "edges": [
            {"source": a, "target": b, **attrs} for a, b, attrs in sorted(graph.edges(data=True))
        ],
    }
    return json.dumps(data, indent=2)


def _dot(graph: nx.DiGraph) -> str:
    lines = [f'digraph "{graph.graph.get("domain", "tools")}" {{', "  rankdir=LR;"]
    for name, attrs in sorted(graph.nodes(data=True)):
        shape = "box" if attrs["kind"] == "write" else "ellipse"
        lines.append(f'  "{name}" [shape={shape}];')
    for a, b, attrs in sorted(graph.edges(data=True)):
        label = ",".join(attrs["entities"])
        style = "" if attrs["derived"] else ", style=dashed"
        lines.append(f'  "{a}" -> "{b}" [label="{label}"{style}];')
    lines.append("}")
    return "\n".join(lines)


def _mermaid(graph: nx.DiGraph) -> str:
    lines = ["flowchart LR"]
    for name, attrs in sorted(graph.nodes(data=True)):
        lines.append(f"  {name}[[{name}]]" if attrs["kind"] == "write" else f"  {name}({name})")
    for a, b, attrs in sorted(graph.edges(data=True)):
        label = ",".join(attrs["entities"])
        arrow = f"-->|{label}|" if label else "-.->"
        lines.append(f"  {a} {arrow} {b}")
    return "\n".join(lines)


_RENDERERS: dict[str, Any] = {"json": _json, "dot": _dot, "mermaid": _mermaid}


def render_graph(graph: nx.DiGraph, fmt: str = "json") -> str:
    """Render as ``json``, ``dot`` or ``mermaid``."""
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UnknownNameError("graph format", fmt, list(_RENDERERS))
    return str(renderer(graph))
