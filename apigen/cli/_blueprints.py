"""``apigen blueprints``: generate, validate and describe task blueprints (phase 1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from apigen.cli._render import echo_json
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


def _progress(total: int) -> tuple[Any, Callable[[], None]]:
    """A progress callback: a rich bar on a TTY, otherwise a plain line per 10%."""
    import sys

    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
        )
        task = bar.add_task("attempts", total=total)
        bar.start()
        accepted = 0

        def tick(done: int, _total: int, result: Any) -> None:
            nonlocal accepted
            accepted += bool(result is not None and result.accepted)
            bar.update(task, completed=done, description=f"attempts ({accepted} accepted)")

        return tick, bar.stop
    step = max(1, total // 10)

    def line(done: int, _total: int, _result: Any) -> None:
        if done % step == 0 or done == _total:
            typer.echo(f"{done}/{_total} attempts done", err=True)

    return line, lambda: None


_DB_HELP = "Database URL or SQLite file (default: $APIGEN_DATABASE_URL, else ./apigen.db)."


@app.command("generate")
def generate(
    domain: str = typer.Option(..., help="Domain to generate tasks for."),
    n: int = typer.Option(100, "-n", min=1, max=MAX_ITEMS, help="Attempts to run."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP, show_default=False),
    out: Path | None = typer.Option(
        None, help="Write accepted YAML files and rejected.jsonl here instead of the database."
    ),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out directory."),
    seed: int = typer.Option(
        0, min=0, max=MAX_SEED, help="Run seed: attempt i of seed S samples the same context."
    ),
    state_seed: int = typer.Option(
        0, min=0, max=MAX_SEED, help="Seed of the domain state the tasks refer to."
    ),
    rounds: int | None = typer.Option(None, min=0, help="Feedback rounds K (default 3)."),
    generator: str | None = typer.Option(None, help="Generator model (default sim/generator)."),
    reviewers: str | None = typer.Option(None, help="Comma-separated reviewer models."),
    feedback_model: str | None = typer.Option(None, help="Model condensing feedback."),
    templates_dir: Path | None = typer.Option(None, help="Directory overriding prompt templates."),
    concurrency: int = typer.Option(16, min=1, max=MAX_COUNT, help="Attempts in flight."),
    recombine: bool = typer.Option(False, help="Also merge accepted tasks of the same user."),
    json_out: bool = typer.Option(False, "--json", help="Print the funnel as JSON."),
) -> None:
    """Generate and validate task blueprints into the database (or --out files);
    print the per-stage funnel."""
    from apigen.blueprints import Phase1Config, PromptTemplates
    from apigen.blueprints._generate import format_funnel
    from apigen.blueprints._generate import generate as run_generate
    from apigen.env import get_domain
    from apigen.errors import UserError

    if out is not None and db is not None:
        raise UserError("--out writes files and --db a database: give one of them")
    if out is not None:
        check_output(out, force=force, directory=True)
    config = Phase1Config.load(
        rounds=rounds,
        generator=generator,
        reviewers=tuple(m.strip() for m in reviewers.split(",") if m.strip())
        if reviewers
        else None,
        feedback_model=feedback_model,
        templates_dir=templates_dir,
    )
    get_domain(domain)  # bad names and directories fail before a database is touched
    PromptTemplates(config.templates_dir)
    options: dict[str, Any] = {
        "config": config,
        "seed": seed,
        "state_seed": state_seed,
        "concurrency": concurrency,
        "recombine_users": recombine,
    }
    run_id = where = None
    tick, stop = _progress(n)
    try:
        if out is not None:
            run = run_generate(domain, n, out=out, progress=tick, **options)
        else:
            from apigen.cli._persist import generate_into
            from apigen.store import Store

            with Store.open(db) as store:
                run, run_id = generate_into(store, domain, n, progress=tick, **options)
                where = store.url
    finally:
        stop()
    funnel = run.funnel()
    if json_out:
        echo_json(funnel if run_id is None else {**funnel, "run_id": run_id, "database": where})
        return
    for text in format_funnel(funnel):
        typer.echo(text)
    if out is not None:
        typer.echo(f"wrote {out}")
    else:
        db_flag = f" --db '{db}'" if db else ""
        typer.echo(f"run {run_id} stored in {where}")
        typer.echo(f"next: apigen trajectories collect --from-db --run {run_id}{db_flag}")
