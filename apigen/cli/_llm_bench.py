"""``apigen bench llm``: the LLM client's overhead over litellm and its latency hiding."""

from __future__ import annotations

import typer

from apigen.cli._render import echo_json


def llm(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    model: str = typer.Option("sim/echo", help="Zero-latency sim model to call."),
    calls: int = typer.Option(2000, min=1, help="Calls per overhead round."),
    rounds: int = typer.Option(3, min=1, help="Overhead rounds per side (fastest counts)."),
    latency: float = typer.Option(0.2, min=0.01, help="Sim latency (s) for latency hiding."),
    concurrency: str = typer.Option("1,64,512", help="Comma-separated concurrency levels."),
    waves: int = typer.Option(5, min=1, help="Calls per worker at each concurrency level."),
) -> None:
    """CPU per call through apigen.llm vs bare litellm (ratio), and calls/s under latency."""
    from apigen.errors import ConfigError
    from apigen.llm.bench import bench_llm

    try:
        levels = [int(level) for level in concurrency.split(",") if level.strip()]
    except ValueError:
        raise ConfigError("expected comma-separated integers", field="--concurrency") from None
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
