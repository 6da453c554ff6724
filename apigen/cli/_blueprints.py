"""``apigen blueprints``: generate, validate and describe task blueprints (phase 1)."""

from __future__ import annotations

from pathlib import Path

import typer

from apigen.cli._render import echo_json
from apigen.cli._settings import (
    BACKEND_HELP,
    CONFIG_HELP,
    DB_HELP,
    MODEL_HELP,
    exit_for_status,
    settings_from,
)
from apigen.safety import MAX_COUNT, MAX_ITEMS, MAX_SEED, check_output

app = typer.Typer(help="Work with task blueprints.", no_args_is_help=True)


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="Blueprint files or directories."),
    seed: int = typer.Option(0, help="State seed the blueprints refer to."),
    json_out: bool = typer.Option(False, "--json", help="Print a machine-readable report."),
) -> None:
    """Check blueprint files: format, execution (replay in a sandbox) and policy.

    Exit 0 when every file passes; otherwise one line per failing file and exit 1.
    """
    from apigen.blueprints import validate_files

    reports = validate_files(paths, seed=seed)
    failed = [r for r in reports if not r.passed]
    if json_out:
        echo_json(
            {
                "files": len(reports),
                "passed": len(reports) - len(failed),
                "reports": [r.to_json() for r in reports],
            }
        )
    else:
        for r in failed:
            stage = r.failure
            reason = "; ".join(stage.reasons) if stage else "no stages ran"
            typer.echo(f"{r.path}: {stage.stage if stage else '?'}: {reason}")
        typer.echo(f"{len(reports) - len(failed)}/{len(reports)} blueprint files passed")
    raise typer.Exit(1 if failed else 0)


@app.command("schema")
def schema(
    out: Path | None = typer.Option(None, help="Write to this file instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
) -> None:
    """Print (or write) the JSON schema of blueprint files."""
    import json

    if out is not None:
        check_output(out, force=force)

    from apigen.blueprints import blueprint_json_schema

    text = json.dumps(blueprint_json_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@app.command("generate")
def generate(
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    models: list[str] | None = typer.Option(None, "--model", help=MODEL_HELP),
    domain: str | None = typer.Option(None, help="Domain to generate tasks for."),
    n: int | None = typer.Option(None, "-n", min=1, max=MAX_ITEMS, help="Attempts to run."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    out: Path | None = typer.Option(
        None, help="Write accepted YAML files and rejected.jsonl here instead of the database."
    ),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out directory."),
    seed: int | None = typer.Option(
        None, min=0, max=MAX_SEED, help="Run seed: attempt i of seed S samples the same context."
    ),
    state_seed: int | None = typer.Option(
        None, min=0, max=MAX_SEED, help="Seed of the domain state the tasks refer to."
    ),
    rounds: int | None = typer.Option(None, min=0, help="Feedback rounds K (default 3)."),
    templates_dir: Path | None = typer.Option(None, help="Directory overriding prompt templates."),
    concurrency: int | None = typer.Option(None, min=1, max=MAX_COUNT, help="Attempts in flight."),
    backend: str | None = typer.Option(None, "--backend", help=BACKEND_HELP),
    recombine: bool | None = typer.Option(
        None, "--recombine/--no-recombine", help="Also merge accepted tasks of the same user."
    ),
    resume: str | None = typer.Option(
        None, "--resume", help="Finish the missing items of RUN_ID (started by this command)."
    ),
    grounding: str | None = typer.Option(
        None,
        "--grounding",
        help="compose: the generator composes from an entity neighbourhood of the state; "
        "planned: the domain's planner grounds each task (phase1.grounding).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the funnel as JSON."),
) -> None:
    """Generate and validate task blueprints into the database (or --out files);
    print the per-stage funnel."""
    from apigen.blueprints import PromptTemplates, format_funnel
    from apigen.env import get_domain
    from apigen.errors import UserError
    from apigen.runner import generate as run_generate

    if out is not None and db is not None:
        raise UserError("--out writes files and --db a database: give one of them")
    if out is not None and resume is not None:
        raise UserError("--resume finishes a run in the database: it takes no --out")
    if out is not None:
        check_output(out, force=force, directory=True)
    flags = {
        "domain": domain,
        "n": n,
        "seed": seed,
        "state_seed": state_seed,
        "concurrency": concurrency,
        "database_url": db,
        "backend": backend,
        "phase1": {
            "rounds": rounds,
            "templates_dir": templates_dir,
            "recombine": recombine,
            "grounding": grounding,
        },
    }
    settings = settings_from(config, flags, models, "blueprints")
    get_domain(settings.domain)  # bad names and directories fail before a database is touched
    PromptTemplates(settings.phase1.templates_dir)
    summary = run_generate(settings, out=out, resume=resume, progress=not json_out)
    funnel = summary.funnel or {}
    if json_out:
        where = (
            {} if out is not None else {"run_id": summary.run_id, "database": summary.database_url}
        )
        echo_json({**funnel, **where})
    else:
        for text in format_funnel(funnel):
            typer.echo(text)
        if out is not None:
            typer.echo(f"wrote {out}")
        else:
            db_flag = f" --db '{db}'" if db else ""
            typer.echo(f"run {summary.run_id} stored in {summary.database_url}")
            typer.echo(
                f"next: apigen trajectories collect --from-db --run {summary.run_id}{db_flag}"
            )
    exit_for_status(summary)


@app.command("import")
def import_(
    source: str = typer.Argument(..., help="taubench or bfcl."),
    name: str = typer.Argument(
        ..., help="taubench: the package's module (tau_bench.envs.retail); bfcl: a category."
    ),
    split: str | None = typer.Option(None, help="taubench task split: train, test, dev."),
    out: Path = typer.Option(..., help="Directory the blueprint files are written to."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out directory."),
    json_out: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    """Turn a benchmark's tasks into blueprint files (one per task, domain
    ``taubench:<module>`` or ``bfcl:<entry id>``); tasks that cannot be turned into
    blueprints are listed with the reason. Exit 1 when none could."""
    from apigen.adapters import import_blueprints

    check_output(out, force=force, directory=True)
    imported = import_blueprints(source, name, split=split, out=out)
    if json_out:
        echo_json(
            {
                "written": len(imported.blueprints),
                "out": str(out),
                "rejected": [{"task": t, "reason": r} for t, r in imported.rejected],
            }
        )
    else:
        for task, reason in imported.rejected:
            typer.echo(f"rejected {task}: {reason}")
        typer.echo(f"wrote {len(imported.blueprints)} blueprint files to {out}")
    raise typer.Exit(0 if imported.blueprints else 1)
