"""The ``apigen`` command line: thin typer commands over the public API.

Each command parses its options, calls one public function and renders the
result. A :class:`apigen.errors.UserError` becomes one line on stderr and exit
code 2, never a traceback. Heavy imports (ray, litellm, sqlalchemy) happen inside
the commands that need them, so ``apigen --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from apigen.cli import _blueprints, _envs, _graph, _rollout, _run, _store
from apigen.cli._bench import bench_app
from apigen.errors import UserError

__all__ = ["app", "main"]

app = typer.Typer(
    name="apigen",
    help="Synthesise verified multi-turn tool-use conversations (APIGen-MT).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Commands in the order a newcomer meets them: the main job, curation, then the parts.
app.command("run")(_run.run)
app.command("init")(_run.init)
for _name in ("runs", "stats", "query", "schema", "report", "export"):
    app.command(_name)(getattr(_store, _name))
app.command("show")(_rollout.show)
app.add_typer(_envs.app, name="envs")
app.command("graph")(_graph.graph)
app.add_typer(_blueprints.app, name="blueprints")
app.add_typer(_rollout.app, name="trajectories")
app.add_typer(bench_app, name="bench")


def main() -> None:
    """Console entry point: run the app, turning user errors into one clean line."""
    try:
        # Without standalone mode, typer returns a command's ``typer.Exit`` code (and
        # 130 for Ctrl-C, which it catches itself) instead of exiting with it.
        code = app(standalone_mode=False)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and code:
        if code == 130:
            typer.echo("interrupted", err=True)
        sys.exit(code)
