"""``apigen run`` and ``apigen init``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from apigen.cli._settings import (
    BACKEND_HELP,
    CONFIG_HELP,
    DB_HELP,
    MODEL_HELP,
    exit_for_status,
    settings_from,
)
from apigen.errors import UserError
from apigen.safety import check_output


def run(
    config_arg: Path | None = typer.Argument(
        None, metavar="[CONFIG]", help="Settings file (same as --config)."
    ),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    models: list[str] | None = typer.Option(None, "--model", help=MODEL_HELP),
    domain: str | None = typer.Option(None, "--domain", help="Domain to synthesise for."),
    n: int | None = typer.Option(None, "-n", "--n", help="Blueprint attempts (work items)."),
    trials: int | None = typer.Option(None, "--trials", help="Episodes per validated blueprint."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    backend: str | None = typer.Option(None, "--backend", help=BACKEND_HELP),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster to join."),
    workers: int | None = typer.Option(None, "--workers", help="Ray worker actors."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", help="Items in flight per worker."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Run seed."),
    resume: str | None = typer.Option(None, "--resume", help="Finish the missing items of RUN_ID."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Sample blueprints, validate them, role-play and verify conversations, store it all.

    With no configuration it runs offline on sim/… models, a local Ray instance and
    ./apigen.db. Layering: CONFIG file < APIGEN_* environment < these flags.
    """
    from apigen.runner import run as run_both

    if config_arg is not None and config is not None:
        raise UserError("give the settings file once (CONFIG or --config)")
    flags: dict[str, Any] = {
        "backend": backend,
        "domain": domain,
        "n": n,
        "database_url": db,
        "ray_address": ray_address,
        "workers": workers,
        "concurrency": concurrency,
        "seed": seed,
    }
    if trials is not None:
        flags["rollout"] = {"trials": trials}
    cfg = settings_from(config or config_arg, flags, models, "both")
    summary = run_both(cfg, resume=resume, progress=not quiet and not json_out)
    summary.config = None if (config or config_arg) is None else str(config or config_arg)
    summary.db = db
    if json_out:
        typer.echo(json.dumps(summary.to_json(), indent=2))
    else:
        typer.echo(summary.render())
    exit_for_status(summary)


def init(
    path: Path = typer.Argument(Path("apigen.yaml"), help="Where to write the starter config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter configuration with every setting and its default."""
    from apigen.settings import starter_config

    check_output(path, option="PATH", force=force)
    path.write_text(starter_config(), encoding="utf-8")
    typer.echo(f"wrote {path}; run it with: apigen run --config {path}")
