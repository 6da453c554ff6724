"""``apigen blueprints``: validate blueprint files (generation arrives with phase 1)."""

from __future__ import annotations

from pathlib import Path

import typer

from apigen.cli._render import echo_json

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
) -> None:
    """Print (or write) the JSON schema of blueprint files."""
    import json

    from apigen.blueprints import blueprint_json_schema

    text = json.dumps(blueprint_json_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
