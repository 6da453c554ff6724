"""Prompt templates: Jinja2 files shipped in ``templates/``, overridable by a user directory."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from apigen.errors import ConfigError

__all__ = ["TEMPLATE_NAMES", "PromptTemplates"]

TEMPLATE_NAMES = ("generator.j2", "reviewer.j2", "feedback.j2", "recombination.j2")
"""The templates phase 1 renders; a user directory may override any of them by name."""


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=100).rstrip()


class PromptTemplates:
    """Renders the phase-1 prompts.

    ``user_dir`` (``Phase1Config.templates_dir``) is searched first, so a file there
    with the same name as a built-in template wins. Templates use strict undefined
    variables: a typo in an override fails loudly (as :class:`ConfigError`) instead
    of rendering an empty prompt. Filters ``json`` and ``yaml`` render data.
    """

    def __init__(self, user_dir: Path | None = None) -> None:
        import jinja2

        if user_dir is not None and not user_dir.is_dir():
            raise ConfigError(f"{user_dir} is not a directory", field="templates_dir")
        builtin = str(resources.files("apigen.blueprints").joinpath("templates"))
        search = [str(user_dir)] if user_dir is not None else []
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*search, builtin]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        self._env.filters["json"] = _json
        self._env.filters["yaml"] = _yaml
        self.user_dir = user_dir

    def render(self, name: str, **variables: Any) -> str:
        """Render template ``name`` (e.g. ``generator.j2``) with ``variables``."""
        import jinja2

        try:
            return self._env.get_template(name).render(**variables).strip() + "\n"
        except jinja2.TemplateNotFound:
            raise ConfigError(f"no template {name!r}", field="templates_dir") from None
        except jinja2.TemplateError as exc:
            where = getattr(exc, "lineno", None)
            line = f" line {where}" if where else ""
            raise ConfigError(f"template {name}{line}: {exc}", field="templates_dir") from None

    def source(self, name: str) -> Path:
        """Which file ``name`` resolves to (the user's override or the built-in)."""
        if self.user_dir is not None and (self.user_dir / name).is_file():
            return self.user_dir / name
        return Path(str(resources.files("apigen.blueprints").joinpath("templates", name)))
