"""Domain packages on ``sys.path`` for the kit tests: scaffolded, installed by entry point.

A package is "installed" the way pip leaves it, minus the copy: its project directory
goes on ``sys.path`` and a ``.dist-info`` with its ``apigen.environments`` entry points
beside it, so ``importlib.metadata`` finds the entry point and the registry imports
the package by name (no ``pip install`` in a test venv: too slow).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from apigen.env import get_domain, load_environment, scaffold_domain


def clear_registry() -> None:
    get_domain.cache_clear()
    load_environment.cache_clear()


@contextmanager
def installed(
    monkeypatch: pytest.MonkeyPatch, root: Path, entry_points: dict[str, str]
) -> Iterator[None]:
    """``root`` importable and ``entry_points`` (name -> ``module:attr``) registered in
    the ``apigen.environments`` group until the block ends."""
    site = root / "_site"
    info = site / f"apigen_kit_test_{root.name}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: apigen-kit-test-{root.name}\nVersion: 0.1.0\n"
    )
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[apigen.environments]\n{lines}")
    tops = {target.partition(":")[0].partition(".")[0] for target in entry_points.values()}
    with monkeypatch.context() as patch:
        patch.syspath_prepend(str(root))
        patch.syspath_prepend(str(site))
        clear_registry()
        try:
            yield
        finally:
            for name in [m for m in sys.modules if m.partition(".")[0] in tops]:
                del sys.modules[name]
            clear_registry()


@contextmanager
def scaffolded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, edit: dict[str, str] | None = None
) -> Iterator[Path]:
    """``apigen envs new NAME`` into ``tmp_path``, each ``edit`` (old -> new text) applied
    to the generated ``__init__.py``, installed by entry point; yields the package root."""
    root = scaffold_domain(name, tmp_path)
    module = root / name / "__init__.py"
    text = module.read_text()
    for old, new in (edit or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    module.write_text(text)
    with installed(monkeypatch, root, {name: f"{name}:DOMAIN"}):
        yield root
