"""Run ``apigen`` in-process, as the console script would, and capture what it says."""

from __future__ import annotations

import sys

import pytest


def apigen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``apigen ARGS``: (exit code, stdout, stderr)."""
    from apigen.cli import main

    old, sys.argv = sys.argv, ["apigen", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err
