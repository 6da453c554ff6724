"""``apigen envs``: list, inspect, scaffold and check domains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from apigen.cli._render import echo_json, echo_text

app = typer.Typer(help="List and inspect executable environments (domains).", no_args_is_help=True)


@app.command("list")
def list_envs(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the registered domains, then the adapted families (``taubench:<module>``...);
    a plug-in that cannot be loaded is reported in one line on stderr and skipped."""
    from apigen.env import domain_families, domain_names, get_domain
    from apigen.errors import ConfigError

    rows = []
    for name in domain_names():
        try:
            rows.append({"name": name, "description": get_domain(name).description})
        except ConfigError as exc:
            echo_text(f"skipped: {exc}", err=True)
    rows += [{"name": f"{p}<…>", "description": about} for p, about in domain_families().items()]
    if json_out:
        echo_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['name']:<16} {row['description']}")


@app.command("new")
def new_env(
    name: str = typer.Argument(..., help="Domain and package name (a Python identifier)."),
    out: Path = typer.Option(Path("."), "--out", help="Directory to create the package in."),
) -> None:
    """Scaffold a small working domain package (state, two tools, policy, a rule, a
    curated blueprint, its entry point) that passes `apigen envs check` as generated."""
    from apigen.env import scaffold_domain

    root = scaffold_domain(name, out)
    typer.echo(f"wrote {root}")
    typer.echo(f"next: pip install -e {root} && apigen envs check {name}")


@app.command("check")
def check_env(
    domain: str = typer.Argument(..., help="Domain name."),
    tasks: int = typer.Option(8, min=1, max=200, help="Sampled tasks to play."),
    trials: int = typer.Option(2, min=1, max=10, help="Trials per task."),
    seed: int = typer.Option(0, min=0, help="Run seed."),
    play: bool = typer.Option(True, "--play/--no-play", help="Run the smoke play."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Conformance plus a smoke play with the sim players; exit 1 on errors."""
    from apigen.runner import check_environment

    report = check_environment(domain, tasks=tasks, trials=trials, seed=seed, play=play)
    if json_out:
        echo_json(report.to_json())
    else:
        failed = [k for k, v in report.conformance.items() if v != "ok"]
        typer.echo(f"{domain}: conformance {len(report.conformance) - len(failed)}/"
                   f"{len(report.conformance)} checks passed")  # fmt: skip
        typer.echo("numbers: " + ", ".join(f"{k}={v}" for k, v in report.numbers.items()))
        for line in report.errors:
            typer.echo(f"error: {line}")
        for line in report.warnings:
            typer.echo(f"warning: {line}")
        typer.echo("passed" if report.passed else f"failed: {len(report.errors)} error(s)")
    if not report.passed:
        raise typer.Exit(1)


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
