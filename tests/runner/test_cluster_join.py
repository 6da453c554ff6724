"""Joining a Ray cluster that cannot be used is one line within a bounded time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from apigen.errors import ConfigError
from apigen.runner._ray import check_address

TIME_LIMIT_S = 300  # generous: a hang is the failure (Ray alone retried for > 5 min)
TOKEN = "0123456789abcdef0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        check_address(f"127.0.0.1:{_free_port()}", timeout_s=5)
    with pytest.raises(ConfigError, match="HOST:PORT"):
        check_address("not an address")
    check_address(None)  # a local instance: nothing to check
    check_address("auto")


@pytest.fixture
def token_cluster(tmp_path: Path) -> Iterator[str]:
    """A separate local Ray head requiring a token; stopped by the PID started here."""
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="apigen-ray-"))  # short: Ray's socket paths
    log = open(tmp_path / "head.log", "wb")  # noqa: SIM115
    ray_bin = str(Path(sys.executable).with_name("ray"))
    head = subprocess.Popen(
        [
            ray_bin,
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=1",
            "--include-dashboard=false",
            f"--temp-dir={folder / 'ray'}",
        ],
        cwd=folder,
        env=_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=TOKEN),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIME_LIMIT_S
        while time.monotonic() < deadline:
            assert head.poll() is None, (tmp_path / "head.log").read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        if head.poll() is None:
            os.killpg(head.pid, signal.SIGTERM)  # ray start --block stops what it started
            try:
                head.wait(timeout=60)
            except subprocess.TimeoutExpired:
                head.kill()
                head.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)  # what of its session still lingers
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


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
