"""`apigen --help` stays fast: heavy libraries load only inside the commands that need them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HEAVY = ("litellm", "ray", "sqlalchemy", "pyarrow", "networkx")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from apigen.cli import app\n"
        "try:\n    app(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY=", out.stdout


def test_import_apigen_sets_local_cost_map() -> None:
    code = "import os, apigen; print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_litellm_environment_is_set_in_one_place() -> None:
    root = Path(__file__).resolve().parents[1]
    setters = sorted(
        str(path.relative_to(root))
        for folder in ("apigen", "environments")
        for path in (root / folder).rglob("*.py")
        if re.search(r"[\"']LITELLM_", path.read_text(encoding="utf-8"))
    )
    assert setters == ["apigen/__init__.py"]


def _modules_after(code: str, cwd: Path) -> set[str]:
    """Run ``code`` in a fresh interpreter and return the heavy modules it loaded."""
    probe = (
        f"{code}\nimport sys\nprint('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=cwd
    )
    return set(filter(None, out.stdout.strip().splitlines()[-1].removeprefix("HEAVY=").split(",")))


def test_init_imports_no_ray(tmp_path: Path) -> None:
    code = "from apigen.cli import app\napp(['init', 'apigen.yaml'], standalone_mode=False)"
    loaded = _modules_after(code, tmp_path)
    assert "ray" not in loaded
    assert "models:" in (tmp_path / "apigen.yaml").read_text()


def test_bench_package_loads_a_benchmark_without_the_others(tmp_path: Path) -> None:
    code = "import apigen.bench\napigen.bench.bench_sandbox"
    assert _modules_after(code, tmp_path).isdisjoint({"ray", "litellm", "sqlalchemy"})
