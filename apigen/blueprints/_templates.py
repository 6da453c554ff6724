"""Prompt templates: Jinja2 files shipped in ``templates/``, overridable by a user directory."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from apigen.errors import ConfigError
from apigen.safety import TemplateRejected, compile_template, render, sandboxed_environment

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
    with the same name as a built-in template wins. Templates run in apigen's bounded
    sandbox (:func:`apigen.safety.sandboxed_environment`) and use strict undefined
    variables: a typo, a failure or a hostile override fails loudly (as one-line
    :class:`ConfigError`) instead of rendering an empty prompt or running code.
    Filters ``json`` and ``yaml`` render data.
    """

    def __init__(self, user_dir: Path | None = None) -> None:
        import jinja2

        if user_dir is not None and not user_dir.is_dir():
            raise ConfigError(f"{user_dir} is not a directory", field="templates_dir")
        builtin = str(resources.files("apigen.blueprints").joinpath("templates"))
        search = [str(user_dir)] if user_dir is not None else []
        self._env = sandboxed_environment(
            loader=jinja2.FileSystemLoader([*search, builtin]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
            filters={"json": _json, "yaml": _yaml},
        )
        self.user_dir = user_dir

    def render(self, name: str, **variables: Any) -> str:
        """Render template ``name`` (e.g. ``generator.j2``) with ``variables``."""
        try:
            template = compile_template(self._env, name)
            return render(template, str(self.source(name)), **variables).strip() + "\n"
        except TemplateRejected as exc:
            raise ConfigError(str(exc), field="templates_dir") from None

    def check(self) -> None:
        """Compile every template of ``user_dir`` (before a run starts: a syntax error
        or a refused construct is a :class:`ConfigError` naming the file)."""
        if self.user_dir is None:
            return
        for path in sorted(self.user_dir.glob("*.j2")):
            try:
                compile_template(self._env, path.name)
            except TemplateRejected as exc:
                raise ConfigError(str(exc), field="templates_dir") from None

    def source(self, name: str) -> Path:
        """Which file ``name`` resolves to (the user's override or the built-in)."""
        if self.user_dir is not None and (self.user_dir / name).is_file():
            return self.user_dir / name
        return Path(str(resources.files("apigen.blueprints").joinpath("templates", name)))
