"""``apigen trajectories collect`` (phase 2) and ``apigen show`` (one trajectory)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from apigen.cli._render import echo_json

if TYPE_CHECKING:
    from rich.console import Console

    from apigen.types import Message, Trajectory

app = typer.Typer(help="Phase 2: role-play blueprints into trajectories.", no_args_is_help=True)

DEFAULT_FILE = Path("trajectories.jsonl")


@app.command("collect")
def collect_cmd(
    blueprints: list[Path] = typer.Option(..., help="Blueprint files or directories."),
    n: int | None = typer.Option(None, "-n", help="Use only the first N blueprints."),
    trials: int | None = typer.Option(None, help="Episodes per blueprint (default 3)."),
    out: Path = typer.Option(DEFAULT_FILE, help="JSONL file the trajectories are written to."),
    agent: str | None = typer.Option(None, help="Agent model (default: the agent role's)."),
    human: str | None = typer.Option(None, help="Human model (default: the human role's)."),
    judges: str | None = typer.Option(None, help="Comma-separated committee models (off)."),
    best_of: int | None = typer.Option(None, help="Best-of-N human candidates (1 = off)."),
    early_rejection: bool | None = typer.Option(
        None, "--early-rejection/--no-early-rejection", help="Stop doomed episodes (on)."
    ),
    seed: int = typer.Option(0, help="Run seed: same seed, same trajectories."),
    state_seed: int = typer.Option(0, help="State seed the blueprints refer to."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Role-play every blueprint, judge each episode, write all trajectories to --out,
    and print the accepted share with the top rejection reasons."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from apigen.blueprints import iter_blueprint_files, load_blueprint
    from apigen.llm import LLMClient
    from apigen.rollout import RolloutConfig, TrialsResult, collect, write_trajectories

    config = RolloutConfig.load(
        trials=trials,
        agent_model=agent,
        human_model=human,
        judges=tuple(j.strip() for j in judges.split(",") if j.strip()) if judges else None,
        human_candidates=best_of,
        early_rejection=early_rejection,
    )
    loaded = [load_blueprint(p) for p in iter_blueprint_files(blueprints)]
    loaded = loaded[:n] if n is not None else loaded
    write_trajectories(out, [])
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=json_out or len(loaded) < 2,
    ) as progress:
        task = progress.add_task("blueprints", total=len(loaded))

        def done(result: TrialsResult) -> None:
            write_trajectories(out, result.trajectories, append=True)
            progress.advance(task)

        result = asyncio.run(
            collect(
                loaded,
                client=LLMClient(),
                config=config,
                seed=seed,
                state_seed=state_seed,
                on_result=done,
            )
        )
    summary = {**result.summary(), "out": str(out)}
    if json_out:
        echo_json(summary)
        return
    typer.echo(
        f"accepted {summary['accepted']}/{summary['episodes']} episodes "
        f"({100 * result.accepted_share:.1f}%), {summary['blueprints_accepted']}/"
        f"{summary['blueprints']} blueprints with an accepted trajectory"
    )
    for reason, count in result.top_reasons():
        typer.echo(f"  rejected {count:>5}  {reason}")
    typer.echo(f"tokens {summary['tokens']}, cost {summary['cost_usd']} USD; wrote {out}")


def show(
    ident: str = typer.Argument(..., metavar="ID", help="Trajectory id (or a unique prefix)."),
    file: Path = typer.Option(DEFAULT_FILE, "--file", help="JSONL file to read."),
    full: bool = typer.Option(False, help="Do not shorten long messages."),
) -> None:
    """Render one trajectory: turns, tool calls and results, verdicts."""
    from rich.console import Console

    from apigen.rollout import find_trajectory

    render_trajectory(Console(), find_trajectory(file, ident), full=full)


def render_trajectory(console: Console, traj: Trajectory, *, full: bool = False) -> None:
    """Print ``traj`` on a rich ``console``."""
    from rich.markup import escape
    from rich.table import Table

    status = "[green]accepted[/]" if traj.accepted else "[red]rejected[/]"
    console.rule(f"trajectory {traj.id}")
    console.print(
        f"blueprint [bold]{escape(traj.blueprint_id)}[/] ({traj.domain}) trial {traj.trial}: "
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
        table.add_row(v.verifier, mark, escape("\n".join(x for x in (reasons, votes) if x)))
    console.print(table)
    usage = Table("role", "calls", "prompt", "completion", "cost USD", title="usage")
    for role, u in traj.usage.items():
        cost = "-" if u.cost_usd is None else f"{u.cost_usd:.6f}"
        usage.add_row(role, str(u.calls), str(u.prompt_tokens), str(u.completion_tokens), cost)
    console.print(usage)


def _render_message(console: Console, msg: Message, width: int | None) -> None:
    from rich.markup import escape

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
