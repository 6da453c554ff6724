"""``apigen init``: a commented starter configuration generated from the settings' docs."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import yaml
from pydantic import BaseModel

from apigen.runner._config import RunConfig

__all__ = ["starter_config"]

_HEADER = """\
# apigen run configuration. Every value below is the default; delete what you do
# not change. Layering: this file < environment (APIGEN_*) < command-line flags.
# With no changes, `apigen run` works offline on the scripted sim/… models, a local
# Ray instance and a SQLite file. Point roles at real models with any litellm name
# (openai/gpt-4o, anthropic/claude-…, hosted_vllm/…, ollama/…); API keys stay in the
# environment (set `api_key_env` per endpoint) and never reach the database.
"""


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def _comment(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    wrapped = textwrap.wrap(" ".join(text.split()), width=86 - len(indent))
    return [f"{indent}# {line}" for line in wrapped]


_FROM_ROLES = {
    ("phase1", "generator"): "models.generator",
    ("phase1", "reviewers"): "models.reviewer",
    ("rollout", "judges"): "models.judge",
}
"""Fields left out of the starter so they follow the ``models`` roles."""


def _emit(model: BaseModel, indent: str, depth: int, section: str = "") -> list[str]:
    lines: list[str] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if (section, name) in _FROM_ROLES:
            lines.append(f"{indent}# {name}: (default: the models of {_FROM_ROLES[section, name]})")
            continue
        lines.extend(_comment(field.description, indent))
        if isinstance(value, BaseModel) and depth < 2:
            lines.append(f"{indent}{name}:")
            lines.extend(_emit(value, indent + "  ", depth + 1, name if depth == 0 else ""))
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
    return _HEADER + "\n" + "\n".join(_emit(RunConfig(), "", 0)).rstrip() + "\n"
