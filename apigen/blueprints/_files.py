"""Blueprint files: one blueprint per YAML file, checked against ``blueprints/schema.json``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from apigen.errors import BlueprintFileError
from apigen.safety import InputRejected, load_data_file
from apigen.types import Blueprint

__all__ = [
    "blueprint_json_schema",
    "curated_dir",
    "dump_blueprint",
    "iter_blueprint_files",
    "load_blueprint",
]

SCHEMA_HEADER = "# yaml-language-server: $schema=../schema.json\n"


def blueprint_json_schema() -> dict[str, Any]:
    """The JSON schema of a blueprint file, generated from :class:`Blueprint`."""
    schema = Blueprint.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "apigen blueprint"
    return schema


def curated_dir() -> Path:
    """Where the curated blueprints live: the checkout's ``blueprints/``, else the wheel's copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "blueprints", here.parent / "_curated"):
        if (candidate / "schema.json").is_file():
            return candidate
    raise FileNotFoundError("curated blueprints not found (no blueprints/schema.json)")


def iter_blueprint_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand files and directories (recursively) into ``*.yaml``/``*.yml`` files, sorted."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            yield path
        else:
            raise BlueprintFileError(str(path), "no such file or directory")


def load_blueprint(path: str | Path) -> Blueprint:
    """Parse one blueprint file; a malformed file raises :class:`BlueprintFileError`
    naming the file and the field."""
    path = Path(path)
    try:
        data = load_data_file(path)
    except InputRejected as exc:
        message = str(exc).removeprefix(f"{path}: ")
        raise BlueprintFileError(str(path), message) from None
    if not isinstance(data, dict):
        raise BlueprintFileError(str(path), "expected a mapping with a blueprint's fields")
    try:
        return Blueprint.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or None
        more = f" (+{len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise BlueprintFileError(str(path), f"{err['msg']}{more}", field=field) from None


def dump_blueprint(blueprint: Blueprint, path: str | Path) -> Path:
    """Write ``blueprint`` as YAML (with the schema header editors use)."""
    path = Path(path)
    data = blueprint.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = json.loads(json.dumps(data))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCHEMA_HEADER + text, encoding="utf-8")
    return path
