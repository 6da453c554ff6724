"""A separately started local Ray head for cluster tests, stopped by the process group
this helper started (never ``ray stop``, which ends every Ray process on the machine)."""

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
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.support import processes

TIME_LIMIT_S = 300  # generous: a hang is the failure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def ray_head(log_dir: Path, env: Mapping[str, str], *, num_cpus: int) -> Iterator[str]:
    """``ray start --head --block`` on a free port; yields ``127.0.0.1:PORT`` once the
    port answers. The head's output goes to ``log_dir/head.log``."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="apigen-ray-"))  # short: Ray's socket paths
    log_path = log_dir / "head.log"
    log = open(log_path, "wb")  # noqa: SIM115
    head = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ray")),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            f"--num-cpus={num_cpus}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={folder / 'ray'}",
        ],
        cwd=folder,
        env=dict(env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + TIME_LIMIT_S
        while time.monotonic() < deadline:
            assert head.poll() is None, log_path.read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        _kill_session(head)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _kill_session(head: subprocess.Popen[bytes]) -> None:
    """SIGKILL every process of the head's session (and their children), then wait
    until they are gone. A graceful ``ray start --block`` stop takes about 30 s; the
    cluster is thrown away, so nothing of it needs to be kept. Without Linux's
    ``/proc``: the head's process group."""
    if not Path("/proc/self/stat").exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        head.wait()
        return
    family = processes.session(head.pid)
    for pid in family:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    head.wait()
    deadline = time.monotonic() + 10
    while processes.survivors(family) and time.monotonic() < deadline:
        time.sleep(0.05)
