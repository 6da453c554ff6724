"""Model configuration per role: which models, how to sample, how to reach them.

This is the ``models`` section of the one settings tree (:mod:`apigen.settings`),
which layers file < environment (``APIGEN_MODELS__<ROLE>__MODELS='["openai/gpt-4o"]'``)
< flags. With no configuration at all every role plays an offline ``sim/…`` model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from apigen.errors import ConfigError
from apigen.llm._messages import TextToolCalls
from apigen.llm._roles import get_role, role_names
from apigen.safety import check_json_size
from apigen.types import JSON

__all__ = [
    "CacheSettings",
    "EndpointSettings",
    "ModelsConfig",
    "RetrySettings",
    "RoleModels",
    "SamplingParams",
]


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
    member_params: tuple[SamplingParams, ...] = ()
    """Per-member overrides of :attr:`params`, by position: a committee's member ``i``
    samples with ``params`` updated by the set fields of entry ``i`` (so copies of one
    model can differ by temperature or seed:
    ``[{temperature: 0.2}, {temperature: 0.7}, {temperature: 1.0, seed: 3}]``).
    Members past the end use :attr:`params`. Default ``()``."""

    @model_validator(mode="after")
    def _member_params_fit(self) -> RoleModels:
        if len(self.member_params) > len(self.models):
            raise ValueError(
                f"member_params has {len(self.member_params)} entries for {len(self.models)} models"
            )
        return self


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
    text_tool_calls: TextToolCalls = "off"
    """Read tool calls the model writes as text: ``hermes`` (``<tool_call>{...}
    </tool_call>``, a vLLM server started without a tool parser), ``llama``
    (``<|python_tag|>{...}``) or ``off``. Default ``off``: only structured calls."""


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


class ModelsConfig(_Settings):
    """Models per role, endpoints per model, retry and cache policy: the ``models``
    section of the settings tree (:mod:`apigen.settings`).

    Every registered role (:func:`apigen.llm.register_role`) is a key of its own,
    ``models.<role>: {models, params, fallbacks}``, defaulting to the role's
    registered models; other keys are :attr:`endpoints`, :attr:`retry` and
    :attr:`cache`. A key that is neither raises "unknown role".
    """

    model_config = ConfigDict(
        extra="allow", frozen=True, use_attribute_docstrings=True, validate_default=True
    )
    __pydantic_extra__: dict[str, RoleModels] = Field(init=False)

    endpoints: dict[str, EndpointSettings] = Field(default_factory=dict)
    """Per-model endpoint settings keyed by model name or glob (``openai/*``); the
    exact name wins over globs. Default ``{}``."""
    retry: RetrySettings = RetrySettings()
    """Retry and time-limit policy. Default :class:`RetrySettings`."""
    cache: CacheSettings = CacheSettings()
    """Response cache. Default: off."""

    @model_validator(mode="after")
    def _registered_roles(self) -> ModelsConfig:
        roles = self.__pydantic_extra__
        assert roles is not None
        known = role_names()
        unknown = [name for name in roles if name not in known]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r} (known: {', '.join(known)})")
        for name in known:  # every role appears in dumps (stored run configurations)
            roles.setdefault(name, RoleModels(models=get_role(name).models))
        return self

    @classmethod
    def load(cls, **values: Any) -> ModelsConfig:
        """Build from keyword values (no environment: :func:`apigen.settings.load_settings`
        layers files, environment and flags); bad values raise ConfigError naming the field."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError.from_validation(exc) from None

    def role(self, role: str) -> RoleModels:
        """The :class:`RoleModels` of ``role`` (its registered defaults when the role was
        registered after this configuration was built); unknown roles raise ConfigError."""
        roles = self.__pydantic_extra__ or {}
        found = roles.get(role)
        if found is None:
            found = RoleModels(models=get_role(role).models)
        return found

    def members(self, role: str) -> tuple[str, ...]:
        """The models playing ``role`` in order (a committee's members)."""
        return self.role(role).models

    def roles(self) -> dict[str, RoleModels]:
        """Every registered role with its settings."""
        return {name: self.role(name) for name in role_names()}

    def all_models(self) -> tuple[str, ...]:
        """Every model a run may call: each role's models and fallbacks, sorted. The
        run-wide rate limiter covers exactly these."""
        found = {m for rm in self.roles().values() for m in (*rm.models, *rm.fallbacks)}
        return tuple(sorted(found))

    def sim_roles(self, roles: Iterable[str]) -> list[str]:
        """Those of ``roles`` played only by offline ``sim/…`` models (fallbacks included)."""
        out = []
        for name in roles:
            rm = self.role(name)
            if all(m.startswith("sim/") for m in (*rm.models, *rm.fallbacks)):
                out.append(name)
        return out

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
