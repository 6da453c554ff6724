"""``apigen bench``: benchmarks that print numbers (JSON with --json)."""

from __future__ import annotations

import typer

from apigen.cli._render import echo_json

bench_app = typer.Typer(help="Benchmarks that print numbers.", no_args_is_help=True)


@bench_app.command("sandbox")
def sandbox(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    scales: str = typer.Option("1,10,100", help="Comma-separated state scales."),
    sandboxes: int = typer.Option(1000, help="Live sandboxes for the memory measure."),
) -> None:
    """Sandbox creation, a write, diff() and state_hash() across state scales; memory."""
    from apigen.env.bench import bench_sandbox

    result = bench_sandbox([int(s) for s in scales.split(",")], sandboxes=sandboxes)
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
