"""A τ-bench-style package run as an apigen domain, unmodified.

τ-bench tools mutate one shared ``data`` dict in place. Here each call gets a
:class:`_Data` over the sandbox's copy-on-write state: a record is thawed into a plain
mutable dict the first time the tool touches it, and after the call every touched
record that changed (or was added, or deleted) is written back through the sandbox's
``DB``. A call therefore costs the records it touches, episodes never share a dict,
and the sandbox's staging makes a failed call leave no trace.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import replace
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

from apigen.adapters._foreign import (
    find_attribute,
    foreign_tool,
    import_module,
    param_entity,
    submodule_attribute,
)
from apigen.env import (
    DB,
    Domain,
    TaskSketch,
    Tool,
    ToolFailure,
    WriteStep,
    confirm_before_write,
    thaw,
)
from apigen.errors import UserError
from apigen.types import JSON, ToolCall

if TYPE_CHECKING:
    from apigen.env._state import TableView

__all__ = ["TauBenchDomain", "task_fields", "taubench_domain"]

_MISSING = object()


class _Table(MutableMapping[str, Any]):
    """One table as τ-bench code sees it: records thawed on first access."""

    def __init__(self, view: TableView) -> None:
        self._view = view
        self._live: dict[str, Any] = {}
        self._deleted: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if key in self._live:
            return self._live[key]
        if key in self._deleted or key not in self._view:
            raise KeyError(key)
        record = self._live[key] = thaw(self._view[key])
        return record

    def __setitem__(self, key: str, value: Any) -> None:
        self._deleted.discard(key)
        self._live[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._live.pop(key, None)
        self._deleted.add(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or key in self._deleted:
            return False
        return key in self._live or key in self._view

    def __iter__(self) -> Iterator[str]:
        for key in self._view:
            if key not in self._deleted:
                yield key
        for key in self._live:
            if key not in self._view and key not in self._deleted:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self) -> None:
        for key in self._deleted:
            if key in self._view:
                del self._view[key]
        for key, value in self._live.items():
            if not isinstance(value, dict):
                raise TypeError(f"record {key!r} is not an object")
            current = self._view.get(key, _MISSING)
            if current is _MISSING or thaw(current) != value:
                self._view[key] = value


class _Data(MutableMapping[str, Any]):
    """``data`` as τ-bench tools see it: ``data["orders"]["#W1"]["status"] = ...``."""

    def __init__(self, db: DB) -> None:
        self._db = db
        self._tables: dict[str, _Table] = {}

    def __getitem__(self, name: str) -> _Table:
        if name not in self._tables:
            if name not in self._db.tables:
                raise KeyError(name)
            self._tables[name] = _Table(self._db[name])
        return self._tables[name]

    def __setitem__(self, name: str, value: Any) -> None:
        raise TypeError("replacing a whole table is not supported; assign its records")

    def __delitem__(self, name: str) -> None:
        raise TypeError("deleting a table is not supported")

    def __iter__(self) -> Iterator[str]:
        return iter(self._db.tables)

    def __len__(self) -> int:
        return len(self._db.tables)

    def flush(self) -> None:
        for table in self._tables.values():
            table.flush()


def _invoke(cls: type) -> Any:
    def run(db: DB, **arguments: Any) -> Any:
        data = _Data(db)
        try:
            result = cls.invoke(data=data, **arguments)  # type: ignore[attr-defined]
        except Exception as exc:  # τ-bench's env.step reports these as "Error: ..."
            raise ToolFailure(f"Error: {exc}") from None
        if isinstance(result, str) and result.startswith("Error"):
            raise ToolFailure(result)
        data.flush()
        return _parsed(result)

    return run


def _parsed(result: Any) -> Any:
    """A JSON object or list result as data (rendered back as JSON), else as given."""
    if isinstance(result, str) and result[:1] in "[{":
        try:
            return json.loads(result)
        except ValueError:
            return result
    return result


def task_fields(task: Any) -> dict[str, Any]:
    """A τ-bench task (dict or object) as ``{user_id, actions, instruction, outputs}``
    with actions as ``[{name, kwargs}]``; a missing field raises :class:`UserError`."""

    def get(obj: Any, name: str, default: Any = _MISSING) -> Any:
        value = obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)
        if value is _MISSING:
            raise UserError(f"τ-bench task has no {name!r}: {str(obj)[:120]}")
        return value

    actions = [
        {"name": str(get(a, "name")), "kwargs": dict(get(a, "kwargs"))}
        for a in get(task, "actions")
    ]
    return {
        "user_id": str(get(task, "user_id", "")),
        "actions": actions,
        "instruction": str(get(task, "instruction")),
        "outputs": [str(o) for o in get(task, "outputs", [])],
    }


class TauBenchDomain(Domain):
    """A τ-bench-style package (see the package contract) as an apigen domain."""

    seeded = False

    def __init__(self, module: str | ModuleType, *, kinds: Mapping[str, str] | None = None) -> None:
        self.module = (
            import_module(module, "τ-bench package") if isinstance(module, str) else module
        )
        path = self.module.__name__
        self.name = f"taubench:{path}"
        self._load = self._require("load_data", "data")
        tool_classes = self._require("ALL_TOOLS", "tools")
        self.policy = str(self._require("WIKI", "wiki"))
        self.description = f"τ-bench-style package {path} (adapted)"
        self.tools: Sequence[Tool] = tuple(self._tool(cls, kinds) for cls in tool_classes)
        self.policy_checks = (confirm_before_write,) if any(t.confirm for t in self.tools) else ()
        produced = self._observed_produces()
        self.tools = tuple(
            replace(t, produces=frozenset(produced.get(t.name, ()))) for t in self.tools
        )

    def _observed_produces(self, limit: int = 200) -> dict[str, set[str]]:
        """Entity kinds each read returns, observed in the tasks' actions: a read
        produces kind K when a later call's K argument appears in its result. τ-bench
        results are strings, so the tool graph's edges come from the data, not hints."""
        tools = {t.name: t for t in self.tools}
        produced: dict[str, set[str]] = {}
        env = self.load()
        for task in self._training_tasks[:limit]:
            box = env.sandbox(call_timeout=None)
            results: list[tuple[str, str]] = []
            for action in task["actions"]:
                tool = tools.get(action["name"])
                if tool is None:
                    break
                for param, value in action["kwargs"].items():
                    kind = param_entity(param)
                    text = str(value)
                    if kind is None or len(text) < 3:
                        continue
                    for name, result in results:
                        if text in result:
                            produced.setdefault(name, set()).add(kind)
                done = box.call(ToolCall(name=action["name"], arguments=action["kwargs"]))
                if tool.kind == "read" and done.ok:
                    results.append((tool.name, json.dumps(done.output)))
        return produced

    def _tool(self, cls: Any, kinds: Mapping[str, str] | None) -> Tool:
        try:
            function = cls.get_info()["function"]
            return foreign_tool(function, _invoke(cls), kinds=kinds)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            where = getattr(cls, "__name__", repr(cls))
            raise UserError(
                f"{self.name}: tool {where} has no usable get_info() schema ({exc!r})"
            ) from None

    def _require(self, attribute: str, submodule: str) -> Any:
        found = find_attribute(self.module, attribute, submodule)
        if found is None:
            raise UserError(
                f"{self.module.__name__} is not a τ-bench-style package: no {attribute} "
                f"(looked in the package and its {submodule!r} module)"
            )
        return found

    def tasks(self, split: str) -> list[dict[str, Any]]:
        """The split's tasks (``tasks_<split>.TASKS``, or ``TASKS_<SPLIT>``)."""
        found = submodule_attribute(self.module, f"tasks_{split}", "TASKS")
        if found is None:
            found = getattr(self.module, f"TASKS_{split.upper()}", None)
        if found is None:
            raise UserError(f"{self.module.__name__} has no {split!r} task split")
        return [task_fields(t) for t in found]

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, JSON]]:
        """``load_data()`` as it is: a fixed dataset (``seed`` and ``scale`` unused)."""
        data = self._load()
        bad = sorted(k for k, v in data.items() if not isinstance(v, dict))
        if bad:
            raise UserError(f"{self.name}: tables {bad} are not objects keyed by id")
        return data

    @cached_property
    def _training_tasks(self) -> list[dict[str, Any]]:
        """The ``train`` split, never another: sampling a benchmark's test tasks would
        put them in the training data. Without one there is no sampler."""
        try:
            return self.tasks("train")
        except UserError:
            return []

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        """A task whose writes begin with ``writes``, cut after the last of them."""
        kinds = {t.name: t for t in self.tools}
        matches = []
        for task in self._training_tasks:
            calls = [ToolCall(name=a["name"], arguments=a["kwargs"]) for a in task["actions"]]
            if any(c.name not in kinds for c in calls):
                continue
            done = [
                i for i, c in enumerate(calls) if c.name in kinds and kinds[c.name].kind == "write"
            ]
            if [calls[i].name for i in done[: len(writes)]] == list(writes) and writes:
                matches.append((task, calls[: done[len(writes) - 1] + 1]))
        if not matches:
            return None
        task, calls = matches[rng.randrange(len(matches))]
        auth = tuple(c for c in calls if kinds[c.name].authenticates)
        steps: list[WriteStep] = []
        reads: list[ToolCall] = []
        for call in calls:
            if kinds[call.name].authenticates:
                continue
            if kinds[call.name].kind == "read":
                reads.append(call)
                continue
            facts = {k: str(v) for k, v in call.arguments.items()}
            intent = f"{call.name.replace('_', ' ')} with " + ", ".join(
                f"{k} {v}" for k, v in facts.items()
            )
            steps.append(WriteStep(call=call, intent=intent, reads=tuple(reads), facts=facts))
            reads = []
        return TaskSketch(
            user=task["user_id"], steps=tuple(steps), auth=auth, context={"task": task}
        )


def taubench_domain(module: str) -> TauBenchDomain:
    """The resolver of ``taubench:<module>`` names."""
    return TauBenchDomain(module)
