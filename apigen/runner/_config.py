"""The run configuration: one YAML file, layered file < environment < flags.

Sections and where their environment variables come from:

- top level (this module's :class:`RunOptions`): ``APIGEN_<FIELD>``, e.g.
  ``APIGEN_WORKERS=4``; ``APIGEN_DATABASE_URL``; ``RAY_ADDRESS`` for ``ray_address``;
- ``models`` (:class:`apigen.llm.ModelsConfig`): ``APIGEN_<ROLE>__MODELS`` etc.;
- ``phase1`` (:class:`apigen.blueprints.Phase1Config`): ``APIGEN_PHASE1__<FIELD>``;
- ``rollout`` (:class:`apigen.rollout.RolloutConfig`): ``APIGEN_ROLLOUT_<FIELD>``.

Values given in the environment are parsed as JSON when they parse (lists, numbers,
booleans), else taken as strings. A malformed file, an unknown key or a bad value
raises :class:`apigen.errors.ConfigError` naming the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from apigen.blueprints import Phase1Config
from apigen.errors import ConfigError
from apigen.llm import ModelsConfig
from apigen.rollout import RolloutConfig
from apigen.safety import (
    MAX_COUNT,
    MAX_ITEMS,
    MAX_SEED,
    InputRejected,
    load_data_file,
    load_json_text,
)

__all__ = ["RunConfig", "RunOptions", "load_run_config"]


class RunOptions(BaseModel):
    """What to run and where."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    domain: str = "retail"
    """Domain (environment) to synthesise data for. Default ``retail``."""
    n: int = Field(default=20, ge=1, le=MAX_ITEMS)
    """Blueprint attempts (work items) in the run, at most 1,000,000. Default 20."""
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    """Run seed (0 .. 2^31-1): item ``i`` is fully determined by (seed, i). Default 0."""
    state_seed: int = Field(default=0, ge=0, le=MAX_SEED)
    """Seed of the domain's initial state (curated blueprints refer to state 0). Default 0."""
    database_url: str | None = None
    """Results database (SQLAlchemy URL or SQLite path). Default ``None``:
    ``$APIGEN_DATABASE_URL``, else ``sqlite:///apigen.db`` in the working directory."""
    ray_address: str | None = None
    """Ray cluster to join (``host:6379`` or ``ray://host:10001``). Default ``None``:
    ``$RAY_ADDRESS``, else a local Ray instance started for the run."""
    ship_code: bool = True
    """When joining a cluster, upload this checkout's apigen to the workers (Ray
    runtime environment) so they run the driver's code. Default ``True``."""
    workers: int = Field(default=2, ge=1, le=MAX_COUNT)
    """Ray worker actors. Default 2."""
    concurrency: int = Field(default=32, ge=1, le=MAX_COUNT)
    """Items in flight per worker (each runs its episodes with asyncio). Default 32."""
    batch_size: int = Field(default=64, ge=1, le=MAX_COUNT)
    """Items written to the database per transaction batch. Default 64."""
    flush_s: float = Field(default=2.0, gt=0)
    """Longest time a finished item waits before being written, in seconds. Default 2."""
    grace_s: float = Field(default=30.0, ge=0)
    """On Ctrl-C: seconds in-flight items get to finish before the run stops. Default 30."""


class RunConfig(RunOptions):
    """Everything ``apigen run`` needs: run options plus the models and both phases."""

    models: ModelsConfig = Field(default_factory=ModelsConfig)
    """Models per role (``generator``, ``reviewer``, ``human``, ``agent``, ``judge``,
    ``feedback``), endpoints, retries, cache. Default: offline ``sim/…`` models."""
    phase1: Phase1Config = Field(default_factory=Phase1Config)
    """Blueprint generation and validation (phase 1)."""
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    """Simulated conversations and acceptance (phase 2)."""

    @model_validator(mode="after")
    def _models_from_roles(self) -> RunConfig:
        """Phase settings naming models default to the ``models`` roles: unless set
        explicitly, phase 1 generates with ``models.generator``, reviews with
        ``models.reviewer`` and phase 2's committee is ``models.judge``."""
        p1, ro = self.phase1, self.rollout
        updates: dict[str, Any] = {}
        if "generator" not in p1.model_fields_set:
            updates["generator"] = self.models.generator.models[0]
        if "reviewers" not in p1.model_fields_set:
            updates["reviewers"] = self.models.reviewer.models
        phase1 = p1.model_copy(update=updates)
        rollout = ro
        if "judges" not in ro.model_fields_set:
            rollout = ro.model_copy(update={"judges": self.models.judge.models})
        object.__setattr__(self, "phase1", phase1)
        object.__setattr__(self, "rollout", rollout)
        return self


def _env_value(raw: str, name: str = "environment") -> Any:
    try:
        return load_json_text(raw, source=name)
    except InputRejected as exc:
        if exc.syntax:
            return raw
        raise ConfigError(str(exc)) from None


def _env_for(model: type[BaseModel], prefix: str, env: Mapping[str, str]) -> dict[str, Any]:
    """Values of ``model``'s top-level fields given as ``<prefix><FIELD>`` variables."""
    found = {}
    for name in model.model_fields:
        key = f"{prefix}{name.upper()}"
        if key in env:
            found[name] = _env_value(env[key], key)
    return found


def _models_env(env: Mapping[str, str]) -> dict[str, Any]:
    from pydantic_settings import EnvSettingsSource

    for key, raw in env.items():
        if key.upper().startswith("APIGEN_"):
            _env_value(raw, key)  # refuses values nested or sized past the limits
    source = EnvSettingsSource(ModelsConfig, case_sensitive=False)
    source.env_vars = {k.lower(): v for k, v in env.items()}
    return dict(source())


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = load_data_file(path)
    except InputRejected as exc:
        raise ConfigError(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of settings", field=str(path))
    return data


def load_run_config(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> RunConfig:
    """Layer defaults < ``path`` (YAML) < environment < ``flags`` (``None`` values
    are ignored; nested keys as dicts) into a validated :class:`RunConfig`."""
    env = os.environ if env is None else env
    data = _read_file(Path(path)) if path is not None else {}
    environment: dict[str, Any] = _env_for(RunOptions, "APIGEN_", env)
    if "RAY_ADDRESS" in env and "ray_address" not in environment:
        environment["ray_address"] = env["RAY_ADDRESS"]
    sections = {
        "models": _models_env(env),
        "phase1": _env_for(Phase1Config, "APIGEN_PHASE1__", env),
        "rollout": _env_for(RolloutConfig, "APIGEN_ROLLOUT_", env),
    }
    environment.update({k: v for k, v in sections.items() if v})
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    merged = _merge(_merge(data, environment), given)
    try:
        return RunConfig.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(msg, field=field) from None
