"""Small rendering helpers shared by commands.

Human-readable output goes through :func:`echo_text` (control and escape sequences
shown escaped by :func:`apigen.safety.printable`); ``--json`` through
:func:`echo_json`, exact.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from apigen.safety import printable

__all__ = ["echo_json", "echo_text"]


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def echo_text(text: str, *, err: bool = False) -> None:
    """Print ``text`` (which may hold stored model text) with control characters escaped."""
    typer.echo(printable(text), err=err)
