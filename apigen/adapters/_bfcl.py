"""BFCL multi-turn entries run as apigen domains (``bfcl-eval``, never modified).

An entry names its API classes (``involved_classes``) and their starting state
(``initial_config``). Each sandbox gets fresh instances (``cls()`` then
``_load_scenario(deep copy of the config)``, as BFCL's executor makes them), kept in
the sandbox's ``DB.session``; a call runs on a deep copy of its instance, which
replaces it only when the call succeeds, so a failed call leaves no trace. After each call the
instances' public attributes are written to the state as JSON (table = class name,
key = attribute, record ``{"value": …}``), which gives ``diff`` and ``state_hash`` the
meaning BFCL's state checker gives them (public attributes compared).
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import json
from collections.abc import Sequence
from functools import cache, partial
from typing import Any

from apigen.adapters._calls import CallSyntaxError, ground_truth_calls
from apigen.adapters._foreign import foreign_tool
from apigen.env import DB, Domain, Tool, ToolFailure, thaw
from apigen.errors import UserError
from apigen.types import JSON

__all__ = [
    "BfclDomain",
    "bfcl_available",
    "bfcl_domain",
    "bfcl_entries",
    "fresh_instances",
    "instance_state",
    "method_parameters",
    "observed_kinds",
]

_INSTALL = "bfcl-eval is not installed (pip install --no-deps bfcl-eval)"
_SESSION_KEY = "bfcl.instances"


def bfcl_available() -> bool:
    """``bfcl-eval`` is importable."""
    from importlib.util import find_spec

    return find_spec("bfcl_eval") is not None


def _config() -> Any:
    if not bfcl_available():
        raise UserError(_INSTALL)
    return importlib.import_module("bfcl_eval.constants.executable_backend_config")


def _data_file(*parts: str) -> Any:
    from importlib.resources import files

    return files("bfcl_eval").joinpath("data", *parts)


def _category_file(category: str, *under: str) -> Any:
    folder = _data_file(*under)
    found = sorted(
        (p for p in folder.iterdir() if p.name.endswith(f"_{category}.json")),
        key=lambda p: p.name,
    )
    if not found:
        raise UserError(f"no BFCL category {category!r} in bfcl-eval's data")
    return found[-1]


def _jsonl(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@cache
def bfcl_entries(category: str) -> list[dict[str, Any]]:
    """The category's entries, each with its ``ground_truth`` (a list of turns of call
    strings) when the package ships one."""
    _config()
    entries = _jsonl(_category_file(category))
    try:
        answers = {
            a["id"]: a["ground_truth"] for a in _jsonl(_category_file(category, "possible_answer"))
        }
    except UserError:
        answers = {}
    if any("involved_classes" not in e for e in entries):
        raise UserError(
            f"BFCL category {category!r} is not multi-turn (its entries name no API classes)"
        )
    return [{**e, "ground_truth": answers.get(e["id"])} for e in entries]


@cache
def _entry(entry_id: str) -> dict[str, Any]:
    category = entry_id.rsplit("_", 1)[0]
    for entry in bfcl_entries(category):
        if entry["id"] == entry_id:
            return entry
    raise UserError(f"no BFCL entry {entry_id!r} in category {category!r}")


@cache
def _func_docs(class_name: str) -> tuple[dict[str, Any], ...]:
    file = _config().MULTI_TURN_FUNC_DOC_FILE_MAPPING[class_name]
    return tuple(_jsonl(_data_file("multi_turn_func_doc", file)))


@cache
def _class(class_name: str) -> type:
    path = _config().CLASS_FILE_PATH_MAPPING.get(class_name)
    if path is None:
        raise UserError(f"bfcl-eval has no API class {class_name!r}")
    try:
        module = importlib.import_module(path)
    except ImportError as exc:
        raise UserError(
            f"BFCL class {class_name} needs {exc.name or exc} (bfcl-eval was installed "
            "without dependencies; install that package too)"
        ) from None
    return getattr(module, class_name)


def _long(entry_id: str) -> bool:
    """BFCL loads long-context scenarios (bigger states) for these categories."""
    return "long_context" in entry_id or "composite" in entry_id


def fresh_instances(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's classes instantiated and loaded as BFCL's executor does it."""
    stateless = set(_config().STATELESS_CLASSES)
    found = {}
    for name in entry["involved_classes"]:
        instance = _class(name)()
        if name not in stateless:
            config = copy.deepcopy(entry.get("initial_config", {}).get(name, {}))
            instance._load_scenario(config, long_context=_long(entry["id"]))
        found[name] = instance
    return found


def _jsonable(value: Any, ancestors: tuple[int, ...] = ()) -> JSON:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if id(value) in ancestors:
        return "<cycle>"  # a directory's parent: already described above it
    inner = (*ancestors, id(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, inner) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v, inner) for v in value), key=repr)
    if hasattr(value, "__dict__"):
        fields = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        return {
            "__class__": type(value).__name__,
            **{k: _jsonable(v, inner) for k, v in fields.items()},
        }
    return repr(value)


def instance_state(instances: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Tables of the instances' public attributes: ``{class: {attr: {"value": …}}}``."""
    return {
        name: {
            key: {"value": _jsonable(value)}
            for key, value in vars(instance).items()
            if not key.startswith("_")
        }
        for name, instance in instances.items()
    }


def method_parameters(classes: Sequence[str], method: str) -> list[str]:
    """A method's parameters in order (to name positional ground-truth arguments)."""
    for class_name in classes:
        found = getattr(_class(class_name), method, None)
        if found is not None:
            return [p for p in inspect.signature(found).parameters if p != "self"]
    return []


@cache
def observed_kinds(category: str) -> dict[str, str]:
    """Each method the category's ground truth calls: ``write`` when some call of it
    changed the instances' public attributes, else ``read``. BFCL declares no kinds,
    and names mislead (``cd`` moves a private cursor: a read of the state)."""
    kinds: dict[str, str] = {}
    for entry in bfcl_entries(category):
        classes = entry["involved_classes"]
        try:
            turns = ground_truth_calls(
                entry.get("ground_truth") or (), partial(method_parameters, classes)
            )
        except CallSyntaxError:
            continue
        instances = fresh_instances(entry)
        for call in (c for turn in turns for c in turn):
            owner = next((i for i in instances.values() if hasattr(i, call.name)), None)
            if owner is None:
                continue
            before = _jsonable(owner)
            with contextlib.suppress(Exception):  # a failing call is BFCL's to report
                getattr(owner, call.name)(**call.arguments)
            if _jsonable(owner) != before:
                kinds[call.name] = "write"
            else:
                kinds.setdefault(call.name, "read")
    return kinds


class BfclDomain(Domain):
    """One BFCL multi-turn entry as a domain (see the package contract)."""

    seeded = False

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.category = str(entry["id"]).rsplit("_", 1)[0]
        self.name = f"bfcl:{entry['id']}"
        classes = list(entry["involved_classes"])
        self.description = f"BFCL {entry['id']}: {', '.join(classes)} (adapted)"
        self.policy = "You are a helpful assistant. Use the tools to do what the user asks."
        excluded = set(entry.get("excluded_function") or ())
        tools: dict[str, Tool] = {}
        for class_name in classes:
            for doc in _func_docs(class_name):
                if doc["name"] not in excluded:
                    tools[doc["name"]] = foreign_tool(
                        doc,
                        self._runner(class_name, doc["name"]),
                        kinds=observed_kinds(self.category),
                        confirm_writes=False,
                    )
        self.tools: Sequence[Tool] = tuple(tools.values())

    def parameter_names(self, tool: str) -> list[str]:
        """The method's parameters in order (to name positional ground-truth arguments)."""
        return method_parameters(self.entry["involved_classes"], tool)

    def _runner(self, class_name: str, method: str) -> Any:
        def run(db: DB, **arguments: Any) -> Any:
            live = db.session.get(_SESSION_KEY)
            if live is None:
                live = db.session[_SESSION_KEY] = fresh_instances(self.entry)
            # a method touches its own instance only: copy that one, keep the others
            work = {**live, class_name: copy.deepcopy(live[class_name])}
            try:
                result = getattr(work[class_name], method)(**arguments)
            except Exception as exc:
                raise ToolFailure(f"Error during execution: {exc}") from None
            if isinstance(result, dict) and "error" in result:
                raise ToolFailure(str(result["error"]))
            for table, rows in instance_state({class_name: work[class_name]}).items():
                for key, record in rows.items():
                    if thaw(db[table].get(key)) != record:
                        db[table][key] = record
            db.session[_SESSION_KEY] = work
            return _jsonable(result)

        return run

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, JSON]]:
        """The public attributes of fresh instances (a fixed state: ``seed`` unused)."""
        return instance_state(fresh_instances(self.entry))


@cache
def bfcl_domain(entry_id: str) -> BfclDomain:
    """The resolver of ``bfcl:<entry id>`` names."""
    return BfclDomain(_entry(entry_id))
