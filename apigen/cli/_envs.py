"""``apigen envs``: list and inspect domains."""

from __future__ import annotations

from typing import Any

import typer

from apigen.cli._render import echo_json

app = typer.Typer(help="List and inspect executable environments (domains).", no_args_is_help=True)


@app.command("list")
def list_envs(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the registered domains, then the adapted families (``taubench:<module>``...)."""
    from apigen.env import domain_families, domain_names, get_domain

    rows = [{"name": n, "description": get_domain(n).description} for n in domain_names()]
    rows += [{"name": f"{p}<…>", "description": about} for p, about in domain_families().items()]
    if json_out:
        echo_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['name']:<16} {row['description']}")


@app.command("show")
def show_env(
    domain: str = typer.Argument(..., help="Domain name, e.g. retail."),
    seed: int = typer.Option(0, help="State seed."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (tools with schemas)."),
) -> None:
    """Show a domain's tools (read/write, description, declarations) and state size."""
    from apigen.env import load_environment

    env = load_environment(domain, seed=seed)
    tools: list[dict[str, Any]] = [
        {
            "name": t.name,
            "kind": t.kind,
            "description": t.description,
            "declarations": t.declarations,
            "schema": t.schema,
        }
        for t in env.domain.tools
    ]
    counts = env.database.counts()
    if json_out:
        echo_json(
            {
                "name": domain,
                "description": env.domain.description,
                "state": counts,
                "tools": tools,
                "policy_checks": len(env.domain.policy_checks),
                "framing": env.domain.framing.model_dump(exclude={"personas"}),
            }
        )
        return
    typer.echo(f"{domain}: {env.domain.description}")
    typer.echo("state: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    typer.echo(f"tools ({len(tools)}):")
    for t in tools:
        typer.echo(f"  [{t['kind']:<5}] {t['name']:<36} {t['description'][:90]}")
        if t["declarations"]:
            marks = ", ".join(
                f"{k}={','.join(v)}" if isinstance(v, list) else k
                for k, v in t["declarations"].items()
            )
            typer.echo(f"  {'':<7} {'':<36} declares: {marks}")
    typer.echo(f"policy checks: {len(env.domain.policy_checks)}")
