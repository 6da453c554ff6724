"""What the adapters share: kinds and declarations read off foreign tool names, entity
kinds off parameter names, and loading a named attribute of a foreign package."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from apigen.env import UNSET, Tool, tool_from_schema
from apigen.errors import UserError
from apigen.types import Blueprint

__all__ = [
    "Imported",
    "find_attribute",
    "foreign_tool",
    "import_module",
    "param_entity",
    "submodule_attribute",
]

_READ_PREFIXES = ("get_", "find_", "list_", "search_", "check_", "view_", "display_")
_READ_NAMES = frozenset({"calculate", "think"})


def _kind(name: str, kinds: Mapping[str, str]) -> str:
    if name in kinds:
        return kinds[name]
    if name in _READ_NAMES or name.startswith(_READ_PREFIXES):
        return "read"
    return "write"


def param_entity(name: str) -> str | None:
    """The entity kind a parameter name denotes: ``order_id`` -> ``order_id``,
    ``item_ids`` -> ``item_id``; ``None`` for other names."""
    if name.endswith("_id"):
        return name
    if name.endswith("_ids"):
        return name[:-1]
    return None


def _entities(function: dict[str, Any]) -> dict[str, str]:
    params = (function.get("parameters") or {}).get("properties") or {}
    return {p: kind for p in params if (kind := param_entity(p)) is not None}


def foreign_tool(
    function: dict[str, Any],
    run: Callable[..., Any],
    *,
    kinds: Mapping[str, str] | None = None,
    confirm_writes: bool = True,
) -> Tool:
    """An apigen tool for a foreign function definition; ``run(db, **given)`` gets only
    the arguments the call gave. Declarations follow the names (see the package
    contract); ``kinds`` (name -> ``read``/``write``) overrides the name rule. Only
    argument names are checked (unknown, missing required): the benchmark's own
    harness checks no types, and a replay must run what it ran."""
    name = str(function["name"])
    kind = _kind(name, kinds or {})
    handoff = kind == "write" and name.startswith("transfer_to_human")
    declarations: dict[str, Any] = {
        "handoff": handoff,
        "confirm": confirm_writes and kind == "write" and not handoff,
        "authenticates": kind == "read" and name.startswith("find_user_id_by"),
    }

    def call(db: Any, **arguments: Any) -> Any:
        return run(db, **{k: v for k, v in arguments.items() if v is not UNSET})

    call.__name__ = name
    return tool_from_schema(
        function,
        call,
        kind,  # type: ignore[arg-type]
        entities=_entities(function),
        check_types=False,  # the foreign harness runs **kwargs unchecked; so do we
        **declarations,
    )


def import_module(name: str, what: str) -> ModuleType:
    """Import ``name`` or raise a one-line :class:`UserError` saying what was expected."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise UserError(f"{what} {name!r} cannot be imported: {exc}") from None


def find_attribute(module: ModuleType, attribute: str, submodule: str) -> Any:
    """``module.attribute``, else ``module.submodule.attribute``; ``None`` when neither."""
    if hasattr(module, attribute):
        return getattr(module, attribute)
    return submodule_attribute(module, submodule, attribute)


def submodule_attribute(module: ModuleType, submodule: str, attribute: str) -> Any:
    """``module.submodule.attribute``; ``None`` when the submodule or attribute is
    missing (an import error inside an existing submodule propagates)."""
    name = f"{module.__name__}.{submodule}"
    try:
        sub = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise
    return getattr(sub, attribute, None)


@dataclass(frozen=True)
class Imported:
    """What an import made: the blueprints, and each task it could not turn into one
    with the reason (``(task id, reason)``)."""

    blueprints: list[Blueprint]
    rejected: list[tuple[str, str]]
