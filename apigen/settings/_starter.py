"""``apigen init``: a commented starter configuration generated from the settings' docs."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import yaml
from pydantic import BaseModel

from apigen.llm import ModelsConfig, get_role
from apigen.settings._tree import Settings

__all__ = ["starter_config"]

_HEADER = """\
# apigen configuration, read by every model-calling command (`apigen run FILE`,
# `apigen blueprints generate --config FILE`, `apigen trajectories collect --config
# FILE`): the same file means the same models and behaviour everywhere. Every value
# below is the default; delete what you do not change.
# Layering: this file < environment < command-line flags. Environment variables:
# APIGEN_<FIELD> at the top level (APIGEN_WORKERS=4, APIGEN_DATABASE_URL) and
# APIGEN_<SECTION>__<FIELD> inside a section (APIGEN_ROLLOUT__TRIALS=5,
# APIGEN_MODELS__AGENT__MODELS='["openai/gpt-4o"]'); values are JSON when they parse.
# With no changes it runs offline on the scripted sim/… models and a SQLite file.
# Point roles at real models with any litellm name (openai/gpt-4o, anthropic/claude-…,
# hosted_vllm/…, ollama/…); API keys stay in the environment (set `api_key_env` per
# endpoint) and never reach the database.
"""


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def _comment(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    wrapped = textwrap.wrap(" ".join(text.split()), width=86 - len(indent), break_on_hyphens=False)
    return [f"{indent}# {line}" for line in wrapped]


def _roles(models: ModelsConfig, indent: str) -> list[str]:
    """One entry per registered role: its doc, models and fallbacks (params commented)."""
    lines = [
        f"{indent}# Each role: models (in order; a committee lists one per member), optional",
        f"{indent}# fallbacks tried when a call fails for good, and sampling params",
        f"{indent}# (temperature, top_p, max_tokens, seed, stop, extra; default: the provider's).",
    ]
    for name, role in models.roles().items():
        lines.extend(_comment(get_role(name).doc, indent))
        lines.append(f"{indent}{name}:")
        lines.append(f"{indent}  models: {_scalar(list(role.models))}")
        lines.append(f"{indent}  fallbacks: {_scalar(list(role.fallbacks))}")
    return lines


def _emit(model: BaseModel, indent: str, depth: int) -> list[str]:
    lines: list[str] = []
    if isinstance(model, ModelsConfig):
        lines.extend(_roles(model, indent))
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        lines.extend(_comment(field.description, indent))
        if isinstance(value, BaseModel) and depth < 2:
            lines.append(f"{indent}{name}:")
            lines.extend(_emit(value, indent + "  ", depth + 1))
        else:
            data = json.loads(
                json.dumps(value.model_dump(mode="json"))
                if isinstance(value, BaseModel)
                else json.dumps(value, default=str)
            )
            lines.append(f"{indent}{name}: {_scalar(data)}")
        if depth == 0:
            lines.append("")
    return lines


def starter_config() -> str:
    """The text ``apigen init`` writes: every setting with its documentation."""
    return _HEADER + "\n" + "\n".join(_emit(Settings(), "", 0)).rstrip() + "\n"
