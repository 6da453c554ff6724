"""The repository stands alone: nothing in it points at files outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".ci", ".venv", "node_modules", "__pycache__"}
OUTSIDE = re.compile(r"\.\./shared")  # what `grep -r "\.\./shared"` looks for


def _files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIP_DIRS or p.endswith((".egg-info", "_cache")) for p in parts):
            continue
        if path.is_file():
            found.append(path)
    return found


def test_nothing_points_outside_the_repository() -> None:
    offenders = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if OUTSIDE.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_design_links_resolve() -> None:
    assert (ROOT / "docs" / "architecture.md").is_file()
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/architecture.md" in (ROOT / "apigen" / "__init__.py").read_text(encoding="utf-8")
