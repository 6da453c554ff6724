"""A plug-in domain on a Ray cluster: shipped with the job, or a one-line error naming
the package the workers lack.

The cluster is a separate local Ray head started here (``ray start --head --block``),
whose workers do not see the plug-in: only the driver has it on ``PYTHONPATH`` with an
entry point. It is stopped by the process group this test started, never ``ray stop``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apigen.env import scaffold_domain
from tests.support.ray_head import ray_head

TIME_LIMIT_S = 300
TOKEN = "kit0123456789abcdef0123456789abc"


def _env(**extra: str) -> dict[str, str]:
    keep = {
        k: v for k, v in os.environ.items() if not k.startswith(("APIGEN_", "RAY_", "PYTHONPATH"))
    }
    return {**keep, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": TOKEN, **extra}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A separate local Ray head requiring a token."""
    with ray_head(tmp_path, _env(), num_cpus=2) as address:
        yield address


def _plugin(tmp_path: Path) -> str:
    """The scaffolded ``library`` package with an entry point: the driver's PYTHONPATH."""
    root = scaffold_domain("library", tmp_path)
    info = tmp_path / "site" / "library-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: library\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[apigen.environments]\nlibrary = library:DOMAIN\n")
    (tmp_path / "driver").mkdir()  # Ray puts the driver's folder on local workers' path
    return os.pathsep.join([str(root), str(info.parent)])


def _run(tmp_path: Path, address: str, db: str, **env: str) -> subprocess.CompletedProcess[str]:
    args = ("run", "--domain", "library", "-n", "2", "--trials", "1", "--workers", "1")
    return subprocess.run(
        [sys.executable, "-m", "apigen", *args, "--backend", "ray", "--ray-address", address,
         "--db", str(tmp_path / db), "--quiet", "--json"],
        cwd=tmp_path / "driver", env=_env(**env), capture_output=True, text=True,
        timeout=TIME_LIMIT_S, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_a_plugin_domain_is_shipped_to_cluster_workers_or_named_when_missing(
    cluster: str, tmp_path: Path
) -> None:
    path = _plugin(tmp_path)
    shipped = _run(tmp_path, cluster, "shipped.db", PYTHONPATH=path)
    assert shipped.returncode == 0, shipped.stderr[-3000:]
    assert json.loads(shipped.stdout)["accepted_trajectories"] >= 1  # sim players

    unshipped = _run(tmp_path, cluster, "unshipped.db", PYTHONPATH=path, APIGEN_SHIP_CODE="0")
    err = unshipped.stderr.strip().splitlines()
    assert unshipped.returncode == 2, unshipped.stderr[-3000:]
    assert len(err) == 1 and "Traceback" not in unshipped.stderr, err
    assert "domain 'library' (library:DOMAIN) cannot be loaded" in err[0]
    assert "package 'library' is not importable on host" in err[0]
