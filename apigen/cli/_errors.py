"""The CLI's one error boundary: every failure is one line on stderr and an exit code.

=====================================================  =====  ==========================
what failed                                            exit   line
=====================================================  =====  ==========================
usage (unknown option/command, bad or missing value)   2      click's message + help hint
:class:`~apigen.errors.UserError` (config, files, db)  2      ``error: <message>``
``APIGEN_*`` value the settings loader cannot parse    2      ``error: <variable/field>``
hostile input refused by :mod:`apigen.safety`          2      ``error: <file>: <why>``
Ctrl-C                                                 130    ``interrupted``
runtime failure (provider, database, disk) or a bug    1      ``error: <Type>: <message>``
=====================================================  =====  ==========================

No traceback is printed unless ``--debug`` is on the command line (anywhere) or
``APIGEN_DEBUG=1``; then the exception propagates unchanged. Messages pass through
:func:`apigen.safety.printable` and are joined onto one line.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer

from apigen.errors import ApigenError, UserError
from apigen.safety import InputRejected, TemplateRejected, printable

__all__ = ["run_guarded"]

DEBUG_FLAG = "--debug"


def _one_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return printable("; ".join(lines) if lines else "", newlines=False)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(_one_line(message), err=True)
    sys.exit(code)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """``ClickException`` of typer's vendored click and of click itself (when installed)."""
    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _usage(exc: Any) -> NoReturn:
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare group: its help is the answer
        typer.echo(exc.format_message())
        sys.exit(0)
    ctx = getattr(exc, "ctx", None)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    code = getattr(exc, "exit_code", 2)
    message = exc.format_message().rstrip(".")
    _fail(f"error: {message}{hint}", code if isinstance(code, int) else 2)


def _settings_error(exc: BaseException) -> bool:
    return type(exc).__name__ == "SettingsError" and "pydantic_settings" in type(exc).__module__


def _validation_error(exc: BaseException) -> str | None:
    errors = getattr(exc, "errors", None)
    if type(exc).__name__ != "ValidationError" or not callable(errors):
        return None
    first = errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "value"
    return f"error: {where}: {first.get('msg', exc)}"


def run_guarded(app: Callable[..., Any], args: list[str]) -> NoReturn:
    """Run the typer ``app`` on ``args`` and exit; see the module docstring."""
    debug = DEBUG_FLAG in args or os.environ.get("APIGEN_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != DEBUG_FLAG]
    clicks = _click_exceptions()
    try:
        # Without standalone mode typer returns a command's ``typer.Exit`` code (and 130
        # for Ctrl-C, which it catches itself) instead of exiting with it.
        code = app(args=args, prog_name="apigen", standalone_mode=False)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted", 1)
    except Exception as exc:
        if debug:
            raise
        _exit_for(exc, clicks)
    if isinstance(code, int) and code:
        if code == 130:
            typer.echo("interrupted", err=True)
        sys.exit(code)
    sys.exit(0)


def _exit_for(exc: Exception, clicks: tuple[type[BaseException], ...]) -> NoReturn:
    if isinstance(exc, UserError):
        _fail(f"error: {exc}", exc.exit_code)
    if clicks and isinstance(exc, clicks):
        _usage(exc)
    if isinstance(exc, InputRejected | TemplateRejected):
        _fail(f"error: {exc}", 2)
    if _settings_error(exc):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({_one_line(str(cause))})" if cause else ""
        _fail(f"error: environment: {exc}{detail}", 2)
    invalid = _validation_error(exc)
    if invalid:
        _fail(invalid, 2)
    if isinstance(exc, ApigenError):
        _fail(f"error: {exc}", 1)
    if isinstance(exc, OSError):
        name = f" {exc.filename}" if exc.filename else ""
        _fail(f"error:{name}: {exc.strerror or exc}", 1)
    hint = f" (run with {DEBUG_FLAG} for the traceback)"
    _fail(f"error: {type(exc).__name__}: {exc}{hint}", 1)
