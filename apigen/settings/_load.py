"""The one loader: defaults < YAML file < environment < flags, one-line errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from apigen.errors import ConfigError
from apigen.llm import role_names
from apigen.safety import InputRejected, load_data_file, load_json_text
from apigen.settings._tree import Settings

__all__ = ["MOVED", "load_settings"]

PREFIX = "APIGEN_"

MOVED: dict[str, str] = {
    "phase1.generator": "models.generator.models",
    "phase1.reviewers": "models.reviewer.models",
    "phase1.feedback_model": "models.feedback.models (with phase1.condense_feedback: true)",
    "rollout.agent_model": "models.agent.models",
    "rollout.human_model": "models.human.models",
    "rollout.judges": "models.judge.models (without committee in rollout.verifiers: off)",
    "rollout.chooser_model": "models.judge.models (its first model picks best-of-N)",
    "rollout.concurrency": "concurrency",
}
"""Keys that were removed, and where each setting lives now."""

_MODEL_KEYS = ("endpoints", "retry", "cache")


def _value(raw: str, name: str) -> Any:
    """An environment value: JSON when it parses (nesting and size bounded), else text."""
    try:
        return load_json_text(raw, source=name)
    except InputRejected as exc:
        if exc.syntax:
            return raw
        raise ConfigError(str(exc)) from None


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
        if not isinstance(tree, dict):
            return
    tree[path[-1]] = value


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The settings given as ``APIGEN_<FIELD>`` / ``APIGEN_<SECTION>__<FIELD>…``."""
    top = set(Settings.model_fields)
    out: dict[str, Any] = {}
    for key, raw in sorted(env.items()):
        if not key.upper().startswith(PREFIX):
            continue
        rest = key[len(PREFIX) :]
        path = [p.lower() for p in rest.split("__")]
        if path[0] in top:
            _set(out, path, _value(raw, key))
        elif path[0] in role_names() or path[0] in _MODEL_KEYS:
            raise ConfigError(f"model settings moved: use {PREFIX}MODELS__{rest}", field=key)
        elif "__" not in rest and rest.upper().startswith(("ROLLOUT_", "PHASE1_")):
            section, _, name = rest.partition("_")
            raise ConfigError(f"use {PREFIX}{section}__{name}", field=key)
    if env.get("RAY_ADDRESS") and "ray_address" not in out:
        out["ray_address"] = env["RAY_ADDRESS"]
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


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, Mapping):
            out[key] = _merge({}, value)
        else:
            out[key] = value
    return out


def _check_moved(data: Mapping[str, Any]) -> None:
    for dotted, now in MOVED.items():
        section, _, key = dotted.rpartition(".")
        node: Any = data.get(section) if section else data
        if isinstance(node, Mapping) and key in node:
            raise ConfigError(f"removed; set {now}", field=dotted)


def load_settings(
    path: str | Path | None = None,
    *,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Layer defaults < ``path`` (YAML) < environment (``env``, default ``os.environ``)
    < ``flags`` (nested dicts; ``None`` values are ignored) into :class:`Settings`.

    Raises :class:`ConfigError` (one line, naming the field) for a malformed file,
    an unknown or removed key, or a bad value.
    """
    data = _read_file(Path(path)) if path is not None else {}
    given = _merge({}, flags or {})
    _check_moved(data)
    _check_moved(given)
    merged = _merge(_merge(data, _from_env(os.environ if env is None else env)), given)
    return validate_settings(merged)


def validate_settings(data: Mapping[str, Any]) -> Settings:
    """``data`` (a whole tree, e.g. a stored run's configuration) as :class:`Settings`;
    the first problem raises :class:`ConfigError` naming the field."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc) from None
