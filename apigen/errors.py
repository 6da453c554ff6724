"""One exception root, three audiences.

::

    ApigenError                  root: ``except ApigenError`` catches all of ours
    ├── UserError                the user's mistake: one line, exit code 2, no traceback
    │   ├── ConfigError          a setting, flag or argument is malformed or names nothing
    │   │                        (names the field)
    │   ├── UnknownNameError     a registry has no such name: domain, export format, graph
    │   │                        format, sim role (lists the known ones)
    │   ├── BlueprintFileError   a blueprint file is malformed (names file and field)
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
"""

from __future__ import annotations

__all__ = [
    "ApigenError",
    "BlueprintFileError",
    "ConfigError",
    "ModelFacingError",
    "ProviderError",
    "RuntimeFailure",
    "UnknownNameError",
    "UserError",
]


class ApigenError(Exception):
    """Root of every exception apigen raises on purpose."""


class UserError(ApigenError):
    """A mistake of the user: the CLI prints the message alone and exits 2."""

    exit_code = 2


class ConfigError(UserError):
    """A configuration value is missing or malformed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


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
