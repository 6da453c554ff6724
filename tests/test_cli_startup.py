"""`apigen --help` stays fast: heavy libraries load only inside the commands that need them."""

from __future__ import annotations

import subprocess
import sys

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
