"""``apigen trajectories collect`` (phase 2) and ``apigen show`` (one trajectory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from apigen.safety import MAX_ITEMS, MAX_SEED, check_output, printable

if TYPE_CHECKING:
    from rich.console import Console

    from apigen.runner import RunSummary
    from apigen.types import Message, Trajectory

app = typer.Typer(help="Phase 2: role-play blueprints into trajectories.", no_args_is_help=True)


@app.command("collect")
def collect_cmd(
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    models: list[str] | None = typer.Option(None, "--model", help=MODEL_HELP),
    blueprints: list[Path] | None = typer.Option(
        None, help="Blueprint files or directories (or use --from-db)."
    ),
    from_db: bool = typer.Option(
        False, "--from-db", help="Role-play the accepted blueprints stored in the database."
    ),
    run: str | None = typer.Option(
        None, "--run", help="With --from-db: only this run's (default: every run's, deduplicated)."
    ),
    n: int | None = typer.Option(
        None, "-n", min=1, max=MAX_ITEMS, help="Use only the first N blueprints."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    out: Path | None = typer.Option(
        None, help="Write the trajectories to this JSONL file instead of the database."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
    trials: int | None = typer.Option(None, help="Episodes per blueprint (default 3)."),
    best_of: int | None = typer.Option(None, help="Best-of-N human candidates (1 = off)."),
    early_rejection: bool | None = typer.Option(
        None, "--early-rejection/--no-early-rejection", help="Stop doomed episodes (on)."
    ),
    concurrency: int | None = typer.Option(None, min=1, help="Blueprints in flight."),
    backend: str | None = typer.Option(None, "--backend", help=BACKEND_HELP),
    seed: int | None = typer.Option(
        None, min=0, max=MAX_SEED, help="Run seed: same seed, same trajectories."
    ),
    state_seed: int | None = typer.Option(
        None, min=0, max=MAX_SEED, help="State seed the blueprints refer to."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Role-play every blueprint and judge each episode; store the trajectories as a
    new run (or write them to --out) and print the accepted share with the top
    rejection reasons."""
    from apigen.errors import UserError
    from apigen.runner import collect as run_collect

    if bool(blueprints) == from_db:
        raise UserError("give exactly one of --blueprints PATH or --from-db")
    if run is not None and not from_db:
        raise UserError("--run goes with --from-db")
    if db is not None and not from_db and out is not None:
        raise UserError("--db is not used when reading --blueprints and writing --out")
    if out is not None:
        check_output(out, force=force)
    flags = {
        "seed": seed,
        "state_seed": state_seed,
        "concurrency": concurrency,
        "database_url": db,
        "backend": backend,
        "rollout": {
            "trials": trials,
            "human_candidates": best_of,
            "early_rejection": early_rejection,
        },
    }
    settings = settings_from(config, flags, models, "trajectories")
    source: dict[str, Any]
    if from_db:
        from apigen.store import Store

        with Store.open(settings.database_url, create=False) as store:
            loaded = store.accepted_blueprints(run)
            if not loaded:
                raise UserError(f"no accepted blueprints in {f'run {run}' if run else store.url}")
            source = {"database": store.url, "run": run}
    else:
        from apigen.blueprints import iter_blueprint_files, load_blueprint

        paths = list(blueprints or ())
        loaded = [load_blueprint(p) for p in iter_blueprint_files(paths)]
        source = {"files": [str(p) for p in paths]}
    loaded = loaded[:n] if n is not None else loaded
    summary = run_collect(settings, loaded, source=source, out=out, progress=not json_out)
    _echo_summary(summary, json_out=json_out, db=db)
    exit_for_status(summary)


def _echo_summary(summary: RunSummary, *, json_out: bool, db: str | None) -> None:
    numbers = summary.trajectories_summary()
    place: dict[str, Any] = (
        {"out": summary.out}
        if summary.out is not None
        else {"run_id": summary.run_id, "database": summary.database_url}
    )
    if json_out:
        echo_json({**numbers, **place})
        return
    typer.echo(
        f"accepted {numbers['accepted']}/{numbers['episodes']} episodes "
        f"({100 * summary.accepted_share:.1f}%), {numbers['blueprints_accepted']}/"
        f"{numbers['blueprints']} blueprints with an accepted trajectory"
    )
    for reason, count in numbers["top_rejection_reasons"].items():
        typer.echo(f"  rejected {count:>5}  {reason}")
    for stage, count in numbers["blueprints_rejected"].items():
        typer.echo(f"  not played {count:>3}  blueprint failed {stage} (see `blueprints validate`)")
    tokens = f"tokens {numbers['tokens']}, cost {numbers['cost_usd']} USD"
    if summary.out is not None:
        typer.echo(f"{tokens}; wrote {summary.out}")
        return
    run_id, db_flag = summary.run_id, f" --db '{db}'" if db else ""
    typer.echo(f"{tokens}; run {run_id} stored in {summary.database_url}")
    typer.echo(f"next: apigen stats --run {run_id}{db_flag}; apigen show {run_id}:0:t0{db_flag}")


def show(
    ident: str = typer.Argument(..., metavar="ID", help="Trajectory id (or a unique prefix)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    file: Path | None = typer.Option(
        None, "--file", help="Look the id up in this JSONL file instead of the database."
    ),
    full: bool = typer.Option(False, help="Do not shorten long messages."),
) -> None:
    """Render one trajectory: turns, tool calls and results, verdicts."""
    from rich.console import Console

    from apigen.errors import UserError

    if file is not None and db is not None:
        raise UserError("--file reads a JSONL file and --db a database: give one of them")
    if file is not None:
        from apigen.rollout import find_trajectory

        traj = find_trajectory(file, ident)
    else:
        from apigen.store import Store

        with Store.open(db, read_only=True) as store:
            traj = store.get_trajectory(ident)
    render_trajectory(Console(), traj, full=full)


def _safe(text: str) -> str:
    """Stored text for rich: markup escaped, control and escape sequences shown."""
    from rich.markup import escape

    return escape(printable(text))


def render_trajectory(console: Console, traj: Trajectory, *, full: bool = False) -> None:
    """Print ``traj`` on a rich ``console``; stored text cannot drive the terminal."""
    from rich.table import Table

    escape = _safe

    status = "[green]accepted[/]" if traj.accepted else "[red]rejected[/]"
    console.rule(f"trajectory {escape(traj.id or '')}")
    console.print(
        f"blueprint [bold]{escape(traj.blueprint_id)}[/] ({escape(traj.domain)}) "
        f"trial {traj.trial}: "
        f"{status}, ending [bold]{escape(traj.ending)}[/], {traj.turns} turns, "
        f"{traj.tool_calls} tool calls, {traj.duration_s:.2f}s"
    )
    width = None if full else 400
    for msg in traj.messages:
        _render_message(console, msg, width)
    table = Table("verifier", "passed", "reasons", title="verdicts", show_lines=True)
    for v in traj.verdicts:
        reasons = "\n".join(v.reasons)
        votes = "\n".join(
            f"{vote.judge}: {vote.passed} {json.dumps(vote.scores)}" for vote in v.votes
        )
        mark = "[green]yes[/]" if v.passed else "[red]no[/]"
        table.add_row(escape(v.verifier), mark, escape("\n".join(x for x in (reasons, votes) if x)))
    console.print(table)
    usage = Table("role", "calls", "prompt", "completion", "cost USD", title="usage")
    for role, u in traj.usage.items():
        cost = "-" if u.cost_usd is None else f"{u.cost_usd:.6f}"
        usage.add_row(
            escape(role), str(u.calls), str(u.prompt_tokens), str(u.completion_tokens), cost
        )
    console.print(usage)


def _render_message(console: Console, msg: Message, width: int | None) -> None:
    escape = _safe

    def cut(text: str | None) -> str:
        text = text or ""
        return escape(text if width is None or len(text) <= width else text[:width] + "…")

    if msg.role == "system":
        console.print(f"[dim]SYSTEM  {cut(msg.content)[:120]}…[/]")
    elif msg.role == "user":
        console.print(f"[bold cyan]HUMAN[/]   {cut(msg.content)}")
    elif msg.role == "assistant":
        if msg.reasoning:
            console.print(f"[dim italic]  thinking: {cut(msg.reasoning)}[/]")
        if msg.content:
            console.print(f"[bold magenta]AGENT[/]   {cut(msg.content)}")
        for call in msg.tool_calls:
            args = json.dumps(call.arguments, ensure_ascii=False)
            console.print(f"[yellow]  → {escape(call.name)}[/]({cut(args)})")
    else:
        style = "red" if (msg.content or "").startswith("Error:") else "green"
        console.print(f"[{style}]  ← {escape(msg.name or '?')}[/]: {cut(msg.content)}")
