"""The reaper of a local Ray instance: a small watchdog process that outlives a killed driver.

Why it exists: when the driver of a local instance dies without shutting Ray down
(``kill -9``, the OOM killer), the kernel kills the processes the driver started
(``gcs_server``, ``raylet``, ...: Ray starts them with a parent-death signal) and the
workers exit with their raylet, but the raylet's two agents (``DashboardAgent``,
``RuntimeEnvAgent``) notice within ~2 s and then spend 60 s trying to report it to
the GCS that is gone. A reaper kills every process of the instance as soon as the
driver is gone.

Driver side: :func:`start_reaper` right after ``ray.init`` started the instance,
:meth:`Reaper.stop` after ``ray.shutdown`` (a clean end: the reaper exits doing
nothing). Reaper side (this file run as a script, standard library only, so it
never imports apigen or Ray): it waits on a pipe whose write end only the driver
holds; end of file without the stop byte, or a new parent, means the driver died.
It then kills (SIGKILL) every process that belongs to the instance, sweeping until
two sweeps in a row find none or :data:`SWEEP_S` passed.

A process belongs to the instance when it is in the driver's session (every
process Ray starts inherits it; the reaper runs in a session of its own, so a
Ctrl-C or a hang-up of the terminal never reaches it) and it holds the instance's
session directory open, as its working directory or in its command line (every Ray
process of the instance does: its logs live there). Processes of other instances,
other drivers and other users are never touched. Linux only (``/proc``); elsewhere
:func:`start_reaper` returns ``None``. A driver killed during ``ray.init`` itself,
before the reaper starts, is not covered.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["SWEEP_S", "Reaper", "instance_processes", "start_reaper"]

SWEEP_S = 10.0
"""How long the reaper keeps sweeping for processes of the instance after the driver died."""

_STOP = b"s"
_LOG = "apigen_reaper.log"


class Reaper:
    """The driver's handle on a running reaper process."""

    def __init__(self, process: subprocess.Popen[bytes], pipe: int) -> None:
        self.process = process
        self._pipe = pipe

    def stop(self) -> None:
        """Tell the reaper the instance was shut down cleanly, and wait for it to exit."""
        if self._pipe < 0:
            return
        with contextlib.suppress(OSError):  # the reaper is gone already
            os.write(self._pipe, _STOP)
        os.close(self._pipe)
        self._pipe = -1
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_reaper(session_dir: str) -> Reaper | None:
    """Start the reaper of the local instance whose session directory is ``session_dir``
    (``ray.init(...).address_info["session_dir"]``); ``None`` off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    read_end, write_end = os.pipe()  # the write end is not inherited by any child
    logs = Path(session_dir, "logs")
    log = open(logs / _LOG, "ab") if logs.is_dir() else subprocess.DEVNULL  # noqa: SIM115
    try:
        command = [sys.executable, "-I", "-S", __file__, str(os.getpid()), str(os.getsid(0))]
        process = subprocess.Popen(
            [*command, session_dir],
            stdin=read_end,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
        if not isinstance(log, int):
            log.close()
    return Reaper(process, write_end)


def _refers_to(pid: int, session_dir: str) -> bool:
    inside = session_dir.rstrip("/") + "/"
    proc = f"/proc/{pid}"
    with open(f"{proc}/cmdline", "rb") as f:
        if session_dir.encode() in f.read():
            return True
    links = [f"{proc}/cwd", *(f"{proc}/fd/{fd}" for fd in os.listdir(f"{proc}/fd"))]
    for link in links:
        try:
            target = os.readlink(link)
        except OSError:  # closed meanwhile
            continue
        if target == session_dir or target.startswith(inside):
            return True
    return False


def _belongs(pid: int, sid: int, session_dir: str) -> bool:
    try:
        return os.getsid(pid) == sid and _refers_to(pid, session_dir)
    except OSError:  # gone, or another user's
        return False


def instance_processes(sid: int, session_dir: str) -> Iterator[int]:
    """The ids of the live processes of the instance: in session ``sid`` and holding
    ``session_dir`` (open files, working directory or command line). Zombies hold
    nothing and are left to their parent."""
    me = os.getpid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me and _belongs(int(name), sid, session_dir):
            yield int(name)


def _kill(pid: int, sid: int, session_dir: str) -> bool:
    """SIGKILL ``pid`` if it still belongs to the instance; through a pidfd where the
    kernel has them, so a recycled process id is never hit."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return False
    except (AttributeError, OSError):
        handle = -1
    try:
        if not _belongs(pid, sid, session_dir):
            return False
        if handle >= 0:
            signal.pidfd_send_signal(handle, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False
    finally:
        if handle >= 0:
            os.close(handle)


def _driver_gone(driver: int) -> bool:
    """Block until the driver stops the reaper (``False``) or dies (``True``)."""
    import select

    while True:
        ready, _, _ = select.select([0], [], [], 1.0)
        if ready:
            return os.read(0, 1) != _STOP
        if os.getppid() != driver:  # re-parented: the driver died, a fork holds the pipe
            return True


def _reap(sid: int, session_dir: str) -> int:
    deadline = time.monotonic() + SWEEP_S
    killed, quiet = 0, 0
    while quiet < 2 and time.monotonic() < deadline:
        hit = sum(
            _kill(pid, sid, session_dir) for pid in list(instance_processes(sid, session_dir))
        )
        killed += hit
        quiet = 0 if hit else quiet + 1
        time.sleep(0.2)
    return killed


def _main(argv: list[str]) -> int:
    driver, sid, session_dir = int(argv[1]), int(argv[2]), argv[3]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _driver_gone(driver):
        return 0
    killed = _reap(sid, session_dir)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} driver {driver} died: killed {killed} processes of {session_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
