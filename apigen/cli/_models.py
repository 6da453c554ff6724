"""``apigen models check``: one real request per configured model per role."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from apigen.cli._render import echo_text
from apigen.cli._settings import CONFIG_HELP, MODEL_HELP, settings_from

app = typer.Typer(help="The configured models.", no_args_is_help=True)


@app.command("check")
def check(
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    models: list[str] | None = typer.Option(None, "--model", help=MODEL_HELP),
    roles: list[str] | None = typer.Option(
        None, "--role", help="Check only this role (repeatable). Default: every role."
    ),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per model checked."),
) -> None:
    """Send every configured model of every role one request through the role's real
    prompt and parser (the agent with the domain's tools); print parse success,
    latency, tokens, cost and the parameters the provider does not take. Exit 1 with
    one line per failing role when an answer cannot be parsed or a call fails."""
    from apigen.check import check_models
    from apigen.llm import get_role

    for role in roles or ():
        get_role(role)  # an unknown role is a one-line error listing the known ones
    settings = settings_from(config, {}, models, "both")
    checks = asyncio.run(check_models(settings, roles=tuple(roles) if roles else None))
    for c in checks:
        if json_out:
            typer.echo(json.dumps(c.as_json(), ensure_ascii=False))
            continue
        cost = "-" if c.cost_usd is None else f"${c.cost_usd:.5f}"
        dropped = f"  dropped: {', '.join(c.dropped)}" if c.dropped else ""
        mark = "ok  " if c.ok else "FAIL"
        echo_text(
            f"{mark} {c.role:<10} {c.model:<36} {c.latency_s:6.2f}s "
            f"{c.prompt_tokens:>6}+{c.completion_tokens:<5} tokens {cost}{dropped}"
        )
    failed = [c for c in checks if not c.ok]
    for c in failed:
        echo_text(f"{c.role}: {c.model}: {c.reason}", err=True)
    if failed:
        raise typer.Exit(1)
