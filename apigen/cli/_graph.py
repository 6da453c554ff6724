"""``apigen graph``: print a domain's tool dependency graph."""

from __future__ import annotations

import typer


def graph(
    domain: str = typer.Argument(..., help="Domain name, e.g. retail."),
    fmt: str = typer.Option("json", "--format", help="json, dot or mermaid."),
) -> None:
    """Print the tool dependency graph of DOMAIN."""
    from apigen.env import get_domain
    from apigen.graph import render_graph, tool_graph

    typer.echo(render_graph(tool_graph(get_domain(domain)), fmt))
