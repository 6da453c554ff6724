"""Model configuration per role: which models, how to sample, how to reach them.

Layering: defaults here < environment (``APIGEN_*``, nested with ``__``, values as
JSON, e.g. ``APIGEN_AGENT__MODELS='["openai/gpt-4o"]'``) < keyword overrides
passed to :meth:`ModelsConfig.load`. With no configuration at all every role
plays an offline ``sim/…`` model.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from apigen.errors import ConfigError
from apigen.safety import check_json_size
from apigen.types import JSON

__all__ = [
    "ROLES",
    "CacheSettings",
    "EndpointSettings",
    "ModelsConfig",
    "RetrySettings",
    "RoleModels",
    "SamplingParams",
]

ROLES: tuple[str, ...] = ("generator", "reviewer", "human", "agent", "judge", "feedback")
"""Roles that call models; each has a :class:`RoleModels` entry in :class:`ModelsConfig`."""


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class SamplingParams(_Settings):
    """Sampling parameters sent with every call of a role (``None`` = provider default)."""

    temperature: float | None = Field(default=None, ge=0)
    """Sampling temperature (unitless, >= 0). Default ``None``: the provider's default."""
    top_p: float | None = Field(default=None, gt=0, le=1)
    """Nucleus sampling mass (0, 1]. Default ``None``."""
    max_tokens: int | None = Field(default=None, gt=0)
    """Cap on completion tokens per call. Default ``None`` (provider's cap)."""
    seed: int | None = None
    """Sampling seed; ``sim/…`` models are deterministic given it. Default ``None``."""
    stop: tuple[str, ...] | None = None
    """Stop sequences. Default ``None``."""
    extra: Annotated[dict[str, JSON], AfterValidator(check_json_size)] = Field(default_factory=dict)
    """Further litellm keyword arguments passed as-is (``reasoning_effort``, …), at most
    64 KiB as JSON. Default ``{}``."""

    def as_kwargs(self) -> dict[str, Any]:
        """The parameters that are set, as litellm keyword arguments."""
        out: dict[str, Any] = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in (
                ("temperature", self.temperature),
                ("top_p", self.top_p),
                ("max_tokens", self.max_tokens),
                ("seed", self.seed),
                ("stop", self.stop),
            )
            if v is not None
        }
        out.update(self.extra)
        return out


class RoleModels(_Settings):
    """The models one role calls, in order, and how to sample them."""

    models: tuple[str, ...] = Field(min_length=1)
    """Model names litellm understands; a committee lists one per member and may
    repeat a model (``["sim/reviewer", "sim/reviewer", "sim/reviewer"]``)."""
    params: SamplingParams = SamplingParams()
    """Sampling parameters for every call of this role. Default: provider defaults."""
    fallbacks: tuple[str, ...] = ()
    """Models tried in order when a call fails for good (non-retryable error, or
    retries exhausted). Default ``()``: no fallback."""


class EndpointSettings(_Settings):
    """How to reach one model (or every model matching a glob like ``openai/*``)."""

    api_base: str | None = None
    """Base URL of an OpenAI-compatible server (vLLM, Ollama, a proxy). Default ``None``."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (the key itself is never
    stored). Default ``None``: litellm's own lookup (``OPENAI_API_KEY``, …)."""
    rpm: int | None = Field(default=None, gt=0)
    """Requests per minute allowed for this model. Default ``None``: unlimited."""
    tpm: int | None = Field(default=None, gt=0)
    """Tokens (prompt + completion) per minute allowed. Default ``None``: unlimited."""
    timeout_s: float | None = Field(default=None, gt=0)
    """Per-attempt time limit in seconds. Default ``None``: ``retry.timeout_s``."""
    max_attempts: int | None = Field(default=None, ge=1)
    """Attempts per call for this model. Default ``None``: ``retry.max_attempts``."""


class RetrySettings(_Settings):
    """Retry and time-limit policy for retryable provider failures."""

    max_attempts: int = Field(default=4, ge=1)
    """Attempts per call, the first included. Default 4."""
    initial_wait_s: float = Field(default=1.0, ge=0)
    """Scale of the exponential backoff in seconds (random in [0, s·2^n]). Default 1.0."""
    max_wait_s: float = Field(default=30.0, ge=0)
    """Cap on one backoff wait in seconds. Default 30.0."""
    max_retry_after_s: float = Field(default=120.0, ge=0)
    """Cap on a provider's ``Retry-After`` hint in seconds. Default 120.0."""
    timeout_s: float = Field(default=120.0, gt=0)
    """Per-attempt time limit in seconds. Default 120.0."""


class CacheSettings(_Settings):
    """Optional response cache."""

    backend: Literal["none", "memory", "disk"] = "none"
    """``none`` (default), ``memory`` (LRU in this process) or ``disk`` (SQLite file)."""
    path: Path | None = None
    """SQLite file of the ``disk`` backend. Default ``None``: ``.apigen/llm-cache.sqlite``."""
    max_entries: int = Field(default=10_000, gt=0)
    """Entries kept by the ``memory`` backend (least recently used evicted). Default 10000."""


def _role(*models: str) -> RoleModels:
    return RoleModels(models=models)


class ModelsConfig(BaseSettings):
    """Models per role, endpoints per model, retry and cache policy."""

    model_config = SettingsConfigDict(
        env_prefix="APIGEN_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )

    generator: RoleModels = _role("sim/generator")
    """Blueprint generator. Default ``sim/generator``."""
    reviewer: RoleModels = _role("sim/reviewer", "sim/reviewer", "sim/reviewer")
    """Blueprint review committee, one model per member. Default three ``sim/reviewer``."""
    human: RoleModels = _role("sim/human")
    """Simulated human. Default ``sim/human``."""
    agent: RoleModels = _role("sim/agent")
    """Agent under test (function calling). Default ``sim/agent``."""
    judge: RoleModels = _role("sim/judge", "sim/judge", "sim/judge")
    """Trajectory committee, one model per member. Default three ``sim/judge``."""
    feedback: RoleModels = _role("sim/reviewer")
    """Turns review critiques into regeneration feedback. Default ``sim/reviewer``
    (the sim reviewer writes critiques; there is no separate sim feedback model)."""
    endpoints: dict[str, EndpointSettings] = Field(default_factory=dict)
    """Per-model endpoint settings keyed by model name or glob (``openai/*``); the
    exact name wins over globs. Default ``{}``."""
    retry: RetrySettings = RetrySettings()
    """Retry and time-limit policy. Default :class:`RetrySettings`."""
    cache: CacheSettings = CacheSettings()
    """Response cache. Default: off."""

    @classmethod
    def load(cls, **overrides: Any) -> ModelsConfig:
        """Build from the environment plus ``overrides``; bad values raise ConfigError."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            raise ConfigError(err["msg"], field=field) from None

    def role(self, role: str) -> RoleModels:
        """The :class:`RoleModels` of ``role``; unknown roles raise ConfigError."""
        if role not in ROLES:
            raise ConfigError(f"unknown role {role!r} (known: {', '.join(ROLES)})", field="role")
        value: RoleModels = getattr(self, role)
        return value

    def endpoint(self, model: str) -> EndpointSettings:
        """Endpoint settings for ``model``: exact key, else the query-less name,
        else the first matching glob, else defaults."""
        found = self.endpoints.get(model) or self.endpoints.get(model.split("?", 1)[0])
        if found is not None:
            return found
        for pattern, settings in self.endpoints.items():
            if fnmatch.fnmatchcase(model, pattern):
                return settings
        return _NO_ENDPOINT


_NO_ENDPOINT = EndpointSettings()
