"""Joining a Ray cluster that cannot be used is one line within a bounded time."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apigen.errors import ConfigError
from apigen.runner._ray import check_address
from tests.support.ray_head import free_port, ray_head

TIME_LIMIT_S = 300  # generous: a hang is the failure (Ray alone retried for > 5 min)
TOKEN = "0123456789abcdef0123456789abcdef"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APIGEN_", "RAY_ADDRESS", "RAY_AUTH"))
    }
    return {**env, **extra}


def _apigen(folder: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigen", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
        check=False,
    )


def test_closed_port_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match=r"cannot reach the Ray cluster at 127\.0\.0\.1:\d+"):
        check_address(f"127.0.0.1:{free_port()}", timeout_s=5)
    with pytest.raises(ConfigError, match="HOST:PORT"):
        check_address("not an address")
    check_address(None)  # a local instance: nothing to check
    check_address("auto")


@pytest.fixture
def token_cluster(tmp_path: Path) -> Iterator[str]:
    """A separate local Ray head requiring a token."""
    with ray_head(tmp_path, _env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=TOKEN), num_cpus=1) as a:
        yield a


@pytest.mark.slow
def test_token_protected_cluster_is_one_line_naming_the_setting(
    token_cluster: str, tmp_path: Path
) -> None:
    # issue 15: an AuthenticationError traceback with no hint to set RAY_AUTH_MODE=token
    args = ("run", "-n", "1", "--db", "x.db", "--quiet", "--ray-address", token_cluster)
    result = _apigen(tmp_path, *args, env=_env())
    err = result.stderr.strip()
    assert result.returncode == 2, err[-2000:]
    assert "Traceback" not in result.stderr and len(err.splitlines()) == 1, err[-2000:]
    assert "RAY_AUTH_MODE=token" in err and token_cluster in err
