"""What every model-calling command shares: ``--config FILE``, ``--model ROLE=…``,
the settings they layer into, and the sim-roles notice."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from apigen.errors import UserError

if TYPE_CHECKING:
    from apigen.runner import RunSummary
    from apigen.settings import Phases, Settings

CONFIG_HELP = "Settings file (see `apigen init`); the same file means the same models everywhere."
MODEL_HELP = (
    "ROLE=MODEL[,MODEL…]: the models playing a role (generator, reviewer, human, agent, "
    "judge, …); repeatable. Overrides models.ROLE.models of --config."
)
BACKEND_HELP = (
    "local (this process) or ray (worker actors; a cluster with --ray-address / RAY_ADDRESS). "
    "Default: ray for `apigen run`, local for the single-phase commands."
)
DB_HELP = "Database URL or SQLite file (default: $APIGEN_DATABASE_URL, else ./apigen.db)."


def model_flags(specs: list[str] | None) -> dict[str, Any]:
    """``["judge=a,b", …]`` as ``{"judge": {"models": ["a", "b"]}, …}``."""
    roles: dict[str, Any] = {}
    for spec in specs or ():
        role, sep, names = spec.partition("=")
        models = [m.strip() for m in names.split(",") if m.strip()]
        if not sep or not role.strip() or not models:
            raise UserError(f"--model: expected ROLE=MODEL[,MODEL…], got {spec!r}")
        roles[role.strip()] = {"models": models}
    return roles


def settings_from(
    config: Path | None, flags: Mapping[str, Any], models: list[str] | None, phases: Phases
) -> Settings:
    """Load ``config`` < environment < ``flags`` (+ ``--model`` roles) and print the
    one-line notice when sim roles mix with real ones."""
    from apigen.settings import load_settings

    given = dict(flags)
    roles = model_flags(models)
    if roles:
        given["models"] = {**given.get("models", {}), **roles}
    settings = load_settings(config, flags=given)
    notice = settings.sim_notice(phases)
    if notice is not None:
        typer.echo(notice, err=True)
    return settings


def exit_for_status(summary: RunSummary) -> None:
    """After a run: exit 130 when it was interrupted (Ctrl-C or SIGTERM, drained),
    like an interrupted shell job; 1 with one line of the top errors when every item
    failed."""
    if summary.status == "interrupted":
        raise typer.Exit(130)
    if summary.all_failed:
        typer.echo(f"error: {summary.failure_line()}", err=True)
        raise typer.Exit(1)
