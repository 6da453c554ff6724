"""Small rendering helpers shared by commands."""

from __future__ import annotations

import json
from typing import Any

import typer

__all__ = ["echo_json"]


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
