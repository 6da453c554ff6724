"""``apigen bench``: benchmarks that print numbers (JSON with --json)."""

from __future__ import annotations

import typer

from apigen.cli._blueprints import bench_phase1
from apigen.cli._llm_bench import llm
from apigen.cli._render import echo_json

bench_app = typer.Typer(help="Benchmarks that print numbers.", no_args_is_help=True)
bench_app.command("llm")(llm)
bench_app.command("phase1")(bench_phase1)


@bench_app.command("sandbox")
def sandbox(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    scales: str = typer.Option("1,10,100", help="Comma-separated state scales."),
    sandboxes: int = typer.Option(1000, help="Live sandboxes for the memory measure."),
    domain: str = typer.Option("retail", help="Domain to measure."),
) -> None:
    """Sandbox creation, a write, diff() and state_hash() across state scales; memory."""
    from apigen.bench import bench_sandbox

    result = bench_sandbox([int(s) for s in scales.split(",")], domain=domain, sandboxes=sandboxes)
    if json_out:
        echo_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")


@bench_app.command("rollout")
def rollout(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    domain: str = typer.Option("retail", help="Domain whose curated blueprints are used."),
    blueprints: list[str] | None = typer.Option(None, help="Blueprint files or directories."),
    error_rate: float = typer.Option(0.3, help="sim/agent fault rate (0-1)."),
    trials: int = typer.Option(3, help="Episodes per blueprint."),
    seed: int = typer.Option(0, help="Run seed (the same for both modes)."),
) -> None:
    """Tokens per accepted trajectory with and without early rejection."""
    from apigen.bench import bench_rollout

    result = bench_rollout(
        domain, blueprints=blueprints, error_rate=error_rate, trials=trials, seed=seed
    )
    if json_out:
        echo_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")


@bench_app.command("run")
def run(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    quick: bool = typer.Option(False, "--quick", help="Tiny sizes (a smoke test)."),
) -> None:
    """The runner on a local Ray (2 CPUs): latency hiding, scaling, rate-limit saturation."""
    from apigen.bench import bench_run

    result = bench_run(quick=quick)
    if json_out:
        echo_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")


@bench_app.command("store")
def store(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    trajectories: int = typer.Option(100_000, help="Trajectories to ingest."),
    postgres: str | None = typer.Option(
        None, help="Also measure this PostgreSQL URL (default: $APIGEN_DATABASE_URL if postgres)."
    ),
    batch: int = typer.Option(500, help="Items per write_items call."),
) -> None:
    """Store ingest rate, stats latency and export throughput (SQLite, PostgreSQL)."""
    from apigen.store.bench import bench_store

    result = bench_store(trajectories, postgres=postgres, batch=batch)
    if json_out:
        echo_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")
