"""The ``apigen`` command line: thin typer commands over the public API.

Each command parses its options, calls one public function and renders the
result. Every failure becomes one line on stderr (exit 2 for usage and
configuration, 1 for runtime failures) and no traceback unless ``--debug``; see
:mod:`apigen.cli._errors`. Heavy imports (ray, litellm, sqlalchemy) happen inside
the commands that need them, so ``apigen --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer

from apigen.cli import _blueprints, _envs, _graph, _models, _rollout, _run, _store, _verify
from apigen.cli._bench import bench_app
from apigen.cli._errors import run_guarded

__all__ = ["app", "main"]

app = typer.Typer(
    name="apigen",
    help="Synthesise verified multi-turn tool-use conversations (APIGen-MT). "
    "Add --debug anywhere to see tracebacks.",
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
_rollout.app.command("verify")(_verify.verify)
app.add_typer(_rollout.app, name="trajectories")
app.add_typer(_models.app, name="models")
app.add_typer(bench_app, name="bench")


def main() -> None:
    """Console entry point: run the app behind the one error boundary
    (:mod:`apigen.cli._errors`): one line and an exit code, never a traceback
    unless ``--debug``."""
    run_guarded(app, sys.argv[1:])
