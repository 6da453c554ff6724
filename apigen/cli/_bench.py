"""``apigen bench NAME``: the benchmarks of :mod:`apigen.bench`, printed (JSON with --json)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer

from apigen.cli._render import echo_json

__all__ = ["bench_app"]

bench_app = typer.Typer(help="Benchmarks that print numbers.", no_args_is_help=True)

JsonOption = typer.Option(False, "--json", help="Print JSON.")


class Grounding(StrEnum):
    """``phase1.grounding``: who decides the task."""

    compose = "compose"
    planned = "planned"


def _show(result: dict[str, Any], json_out: bool) -> None:
    if json_out:
        echo_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")


def _ints(text: str, flag: str) -> list[int]:
    from apigen.errors import ConfigError

    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError("expected comma-separated integers", field=flag) from None


@bench_app.command("llm")
def llm(
    json_out: bool = JsonOption,
    model: str = typer.Option("sim/echo", help="Zero-latency sim model to call."),
    calls: int = typer.Option(2000, min=1, help="Calls per overhead round."),
    rounds: int = typer.Option(3, min=1, help="Overhead rounds per side (fastest counts)."),
    latency: float = typer.Option(0.2, min=0.01, help="Sim latency (s) for latency hiding."),
    concurrency: str = typer.Option("1,64,512", help="Comma-separated concurrency levels."),
    waves: int = typer.Option(5, min=1, help="Calls per worker at each concurrency level."),
) -> None:
    """CPU per call through apigen.llm vs bare litellm (ratio), and calls/s under latency."""
    from apigen.bench import bench_llm

    levels = _ints(concurrency, "--concurrency")
    result = bench_llm(
        model=model,
        calls=calls,
        rounds=rounds,
        latency_s=latency,
        concurrency=levels,
        waves=waves,
    )
    if json_out:
        echo_json(result)
        return
    cpu = result["cpu_ms_per_call"]
    typer.echo(
        f"cpu per call: apigen {cpu['apigen']:.3f} ms, litellm {cpu['litellm']:.3f} ms, "
        f"ratio {result['ratio']:.3f} (goal <= {result['ratio_goal']})"
    )
    for row in result["latency_hiding"]:
        typer.echo(
            f"concurrency {row['concurrency']:>4}: {row['calls_per_s']:>8.1f} calls/s "
            f"of ideal {row['ideal_per_s']:.1f} (efficiency {row['efficiency']:.2f}; "
            f"litellm alone {row['litellm_calls_per_s']:.1f})"
        )


@bench_app.command("phase1")
def phase1(
    n: int = typer.Option(200, "-n", min=1, help="Attempts per setting."),
    domain: str = typer.Option("retail", help="Domain to measure."),
    noise: float = typer.Option(
        0.15, min=0.0, max=1.0, help="Probability of each generator fault."
    ),
    rounds: int = typer.Option(3, min=1, help="Feedback rounds of the looped setting."),
    seed: int = typer.Option(0, help="Run seed."),
    grounding: Grounding = typer.Option(
        Grounding.planned, "--grounding", help="compose (the generator composes) or planned."
    ),
    json_out: bool = JsonOption,
) -> None:
    """Phase-1 yield with a noisy sim generator, without (K=0) and with (K) feedback:
    yield by round, rejections by stage, diversity and tokens per accepted blueprint."""
    from apigen.bench import bench_phase1

    result = bench_phase1(
        n=n, domain=domain, noise=noise, rounds=rounds, seed=seed, grounding=grounding.value
    )
    _show(result, json_out)


@bench_app.command("sandbox")
def sandbox(
    json_out: bool = JsonOption,
    scales: str = typer.Option("1,10,100", help="Comma-separated state scales."),
    sandboxes: int = typer.Option(1000, help="Live sandboxes for the memory measure."),
    domain: str = typer.Option("retail", help="Domain to measure."),
) -> None:
    """Sandbox creation, a write, diff() and state_hash() across state scales; memory."""
    from apigen.bench import bench_sandbox

    result = bench_sandbox(_ints(scales, "--scales"), domain=domain, sandboxes=sandboxes)
    _show(result, json_out)


@bench_app.command("rollout")
def rollout(
    json_out: bool = JsonOption,
    domain: str = typer.Option("retail", help="Domain whose curated blueprints are used."),
    blueprints: list[str] | None = typer.Option(None, help="Blueprint files or directories."),
    error_rate: float = typer.Option(0.3, help="sim/agent fault rate (0-1)."),
    trials: int = typer.Option(3, help="Episodes per blueprint."),
    seed: int = typer.Option(0, help="Run seed (the same for both modes)."),
) -> None:
    """Tokens per accepted trajectory with and without early rejection; saving against
    the hindsight oracle (first fatal step) by cause; soundness."""
    from apigen.bench import bench_rollout

    result = bench_rollout(
        domain, blueprints=blueprints, error_rate=error_rate, trials=trials, seed=seed
    )
    _show(result, json_out)


@bench_app.command("run")
def run(
    json_out: bool = JsonOption,
    quick: bool = typer.Option(False, "--quick", help="Tiny sizes (a smoke test)."),
) -> None:
    """The runner on a local Ray (2 CPUs): latency hiding, scaling, rate-limit saturation."""
    from apigen.bench import bench_run

    _show(bench_run(quick=quick), json_out)


@bench_app.command("store")
def store(
    json_out: bool = JsonOption,
    trajectories: int = typer.Option(100_000, help="Trajectories to ingest."),
    postgres: str | None = typer.Option(
        None, help="Also measure this PostgreSQL URL (default: $APIGEN_DATABASE_URL if postgres)."
    ),
    batch: int = typer.Option(500, help="Items per write_items call."),
) -> None:
    """Store ingest rate, stats latency and export throughput (SQLite, PostgreSQL)."""
    from apigen.bench import bench_store

    _show(bench_store(trajectories, postgres=postgres, batch=batch), json_out)
