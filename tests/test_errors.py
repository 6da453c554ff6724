"""The exception tree drawn in ``apigen/errors.py`` is the tree the code has and raises."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import apigen
import environments
from apigen.errors import ApigenError

ROOT = Path(__file__).resolve().parents[1]
_NODE = re.compile(r"^([\s│├└─]*)([A-Z]\w+)")
"""A node line: tree-drawing characters, then the class name (continuations start "(")."""


def _documented_tree() -> dict[str, str | None]:
    """Class name -> parent name, read from the drawing in the module docstring."""
    drawing = (apigen.errors.__doc__ or "").split("::", 1)[1].split("\n\n", 2)[1]
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        node = _NODE.match(line)
        if node is None:
            continue
        depth, name = len(node.group(1)), node.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((depth, name))
    return parents


def _error_classes() -> dict[str, type]:
    """Every ApigenError subclass defined in apigen or environments (all modules loaded)."""
    for package in (apigen, environments):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" in info.name or info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)
    found: dict[str, type] = {}
    pending = [ApigenError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return {n: c for n, c in found.items() if c.__module__.startswith(("apigen", "environments"))}


def test_tree_lists_every_error_class_under_its_real_parent() -> None:
    documented = _documented_tree()
    classes = _error_classes()
    assert set(documented) == set(classes)
    for name, parent in documented.items():
        bases = [b.__name__ for b in classes[name].__bases__ if issubclass(b, ApigenError)]
        assert bases == ([parent] if parent else []), name


def test_every_documented_error_is_raised_somewhere() -> None:
    documented = _documented_tree()
    with_children = {p for p in documented.values() if p}
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("apigen", "environments")
        for p in (ROOT / folder).rglob("*.py")
    )
    for name in set(documented) - with_children:
        constructed = re.findall(rf"(?<!class )\b{name}\(", code)
        assert constructed, f"{name} is documented but never raised"
