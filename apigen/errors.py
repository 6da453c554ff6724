"""One exception root, three audiences.

::

    ApigenError                  root: ``except ApigenError`` catches all of ours
    ├── UserError                the user's mistake: one line, exit code 2, no traceback
    │   ├── ConfigError          a setting, flag or argument is malformed or names nothing
    │   │                        (names the field)
    │   ├── UnknownNameError     a registry has no such name: domain, export format, graph
    │   │                        format, sim role (lists the known ones)
    │   ├── BlueprintFileError   a blueprint file is malformed (names file and field)
    │   ├── EmptyExportError     an export would write no record (says why)
    │   ├── QueryRefused         (apigen.store) user SQL that is not one read-only statement
    │   └── ConformanceError     (apigen.env) a domain breaks the environment contract
    ├── ModelFacingError         raised inside a tool: the sandbox hands its message to the
    │   │                        model as a ``tool_error`` result and the episode goes on
    │   ├── ToolFailure          (apigen.env) a tool's expected failure ("order is not pending")
    │   └── NotFound             (apigen.env) a key missing from a state table
    └── RuntimeFailure           the world failed, not the user or the model
        └── ProviderError        an LLM call failed; ``retryable``/``status_code`` drive retries

Errors carry structure; retry policies read ``retryable`` and ``status_code``,
never the message text. Model-facing errors never reach a caller: a sandbox turns
them (and any other exception a tool raises) into :class:`apigen.types.ToolError`
results. Malformed model output is not raised either: the client reports it as
:class:`apigen.llm.OutputError` records in ``Completion.errors``, and the phases
record it as a rejection. Database failures surface as the driver's own exceptions.

Every error pickles with its fields (:class:`Picklable`: rebuilt from its state,
never by calling ``__init__`` again), so one raised on a Ray worker reaches the
driver as itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "ApigenError",
    "BlueprintFileError",
    "ConfigError",
    "EmptyExportError",
    "ModelFacingError",
    "Picklable",
    "ProviderError",
    "RuntimeFailure",
    "UnknownNameError",
    "UserError",
]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class Picklable:
    """Mixin for exceptions whose ``__init__`` takes other arguments than ``args``
    (``UnknownNameError(kind, name, known)``): pickling keeps ``args`` and every
    attribute and skips ``__init__``, so the copy equals the original."""

    def __reduce__(self) -> tuple[Any, ...]:
        exc: BaseException = self  # type: ignore[assignment]
        return _rebuild, (type(exc), exc.args, dict(vars(exc)))


class ApigenError(Picklable, Exception):
    """Root of every exception apigen raises on purpose."""


class UserError(ApigenError):
    """A mistake of the user: the CLI prints the message alone and exits 2."""

    exit_code = 2


class ConfigError(UserError):
    """A configuration value is missing or malformed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field

    @classmethod
    def from_validation(cls, exc: ValidationError, *, prefix: str = "") -> ConfigError:
        """The first error of a pydantic validation as one line naming the field
        (``prefix`` is prepended to the field path, e.g. ``"models."``)."""
        err = exc.errors()[0]
        field = prefix + ".".join(str(p) for p in err["loc"])
        message = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        message = message.removeprefix("Value error, ")
        return cls(message, field=field.rstrip(".") or None)


class UnknownNameError(UserError):
    """A name looked up in a registry does not exist; the message lists known names."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]) -> None:
        listing = ", ".join(sorted(known)) or "none registered"
        super().__init__(f"unknown {kind} {name!r} (known: {listing})")
        self.kind = kind
        self.name = name
        self.known = tuple(sorted(known))


class BlueprintFileError(UserError):
    """A blueprint file cannot be read or does not match the blueprint schema."""

    def __init__(self, path: str, message: str, *, field: str | None = None) -> None:
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.field = field


class EmptyExportError(UserError):
    """An export matched or kept no record; nothing is written. ``reasons`` counts the
    skipped records by reason (empty when the filters matched nothing)."""

    def __init__(self, reasons: dict[str, int]) -> None:
        if reasons:
            why = "; ".join(f"{n} x {r}" for r, n in reasons.items())
            message = f"no record written: every record was skipped ({why})"
        else:
            message = "no record written: no trajectory matches the filters"
        super().__init__(message)
        self.reasons = dict(reasons)


class ModelFacingError(ApigenError):
    """Raised inside a tool for the model to read; the sandbox turns it into a
    ``tool_error`` result and the conversation continues."""


class RuntimeFailure(ApigenError):
    """Something outside the user's control failed (today: an LLM provider)."""


class ProviderError(RuntimeFailure):
    """An LLM provider call failed.

    ``retryable`` says whether trying again may help (rate limit, server error,
    time-out, connection error); ``retry_after`` is the provider's hint in seconds.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.status_code = status_code
        self.retry_after = retry_after
