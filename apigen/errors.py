"""One exception root, three audiences.

::

    ApigenError                      root: ``except ApigenError`` catches all of ours
    ├── UserError                    the user's mistake: one line, exit code 2, no traceback
    │   ├── ConfigError              a config file/env/flag is malformed (names the field)
    │   ├── UnknownNameError         unknown domain / exporter / verifier (lists known ones)
    │   └── BlueprintFileError       a blueprint file is malformed (names file and field)
    ├── ModelFacingError             the model should see it; the episode goes on
    │   └── ModelOutputError         unparseable model output (bad tool JSON, unknown tool)
    └── RuntimeFailure               the world failed (provider down, database gone)
        └── ProviderError            an LLM call failed; ``retryable``/``status_code`` drive retries

Errors carry structure; retry policies read ``retryable`` and ``status_code``,
never the message text. Tool failures inside a sandbox are not raised at all:
they become :class:`apigen.types.ToolError` results the model reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "ApigenError",
    "BlueprintFileError",
    "ConfigError",
    "ModelFacingError",
    "ModelOutputError",
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


class ModelFacingError(ApigenError):
    """An error the model should be shown so the conversation can continue."""


class ModelOutputError(ModelFacingError):
    """A model answered with something we cannot use (invalid tool JSON, unknown tool)."""

    def __init__(self, message: str, *, kind: str, raw: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.raw = raw


class RuntimeFailure(ApigenError):
    """Something outside the user's control failed."""


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
