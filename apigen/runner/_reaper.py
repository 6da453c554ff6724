"""The reaper of a local Ray instance: a small watchdog process that outlives a killed driver.

Why it exists: when the driver of a local instance dies without shutting Ray down
(``kill -9``, the OOM killer), the kernel kills the processes the driver started
(``gcs_server``, ``raylet``, ...: Ray starts them with a parent-death signal) and the
workers exit with their raylet, but the raylet's two agents (``DashboardAgent``,
``RuntimeEnvAgent``) notice within ~2 s and then spend 60 s trying to report it to
the GCS that is gone. A reaper kills every process of the instance as soon as the
driver is gone.

Driver side: :func:`start_reaper` before ``ray.init``, :meth:`Reaper.watch` with the
instance's session directory once ``ray.init`` returned, :meth:`Reaper.stop` after
``ray.shutdown`` (a clean end: the reaper exits doing nothing). Reaper side (this
file run as a script, standard library only, so it never imports apigen or Ray):
it reads a pipe whose write end only the driver holds; end of file before ``stop``,
or a new parent, means the driver died. It then kills (SIGKILL) every process of
the instance, sweeping until two sweeps in a row find none or :data:`SWEEP_S` passed.

A process belongs to the instance when it is in the driver's session (every process
Ray starts inherits it; the reaper runs in a session of its own, so a Ctrl-C or a
hang-up of the terminal never reaches it) and holds the instance's session directory
(open files, working directory or command line: every Ray process of the instance
keeps its logs there). A driver killed while ``ray.init`` ran has not named that
directory yet: then the members are the orphans of its session born after the
reaper started (the processes Ray started lose their parent as the kernel and the
reaper kill down the tree). Processes of other instances, other drivers and other
users are never touched. Linux only (``/proc``); elsewhere the reaper does nothing.
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

__all__ = ["SWEEP_S", "Reaper", "start_reaper"]

SWEEP_S = 10.0
"""How long the reaper keeps sweeping for processes of the instance after the driver died."""

_STOP = "stop"
_LOG = "apigen_reaper.log"


class Reaper:
    """The driver's handle on a running reaper process (``process`` is ``None`` off Linux)."""

    def __init__(self, process: subprocess.Popen[bytes] | None = None, pipe: int = -1) -> None:
        self.process = process
        self._pipe = pipe

    def _send(self, line: str) -> None:
        if self._pipe >= 0:
            with contextlib.suppress(OSError):  # the reaper is gone already
                os.write(self._pipe, f"{line}\n".encode())

    def watch(self, session_dir: str) -> None:
        """Name the instance's session directory (``ray.init(...).address_info
        ["session_dir"]``); the reaper's log goes to its ``logs`` folder from then on."""
        self._send(session_dir)

    def stop(self) -> None:
        """Tell the reaper the instance was shut down cleanly, and wait for it to exit."""
        if self._pipe < 0 or self.process is None:
            return
        self._send(_STOP)
        os.close(self._pipe)
        self._pipe = -1
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_reaper() -> Reaper:
    """Start the reaper of the local instance this process is about to start."""
    if not sys.platform.startswith("linux"):
        return Reaper()
    read_end, write_end = os.pipe()  # the write end is not inherited by any child
    command = [sys.executable, "-I", "-S", __file__, str(os.getpid()), str(os.getsid(0))]
    try:
        process = subprocess.Popen(
            command,
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    return Reaper(process, write_end)


# --- the reaper process -------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, int, int]:
    """(state, parent, session, start time) of ``pid``; OSError when it is gone."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def _pids() -> Iterator[int]:
    me = os.getpid()
    return (int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) != me)


def _holds(pid: int, session_dir: str) -> bool:
    """Whether ``pid`` holds ``session_dir``: an open file, its working directory, or
    its command line."""
    inside = session_dir.rstrip("/") + "/"
    proc = f"/proc/{pid}"
    with open(f"{proc}/cmdline", "rb") as f:
        if session_dir.encode() in f.read():
            return True
    for link in [f"{proc}/cwd", *(f"{proc}/fd/{fd}" for fd in os.listdir(f"{proc}/fd"))]:
        try:
            target = os.readlink(link)
        except OSError:  # closed meanwhile
            continue
        if target == session_dir or target.startswith(inside):
            return True
    return False


class _Instance:
    """What the reaper knows of the instance: the driver's session, when the reaper
    started (clock ticks), and the session directory once named."""

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.since = _stat(os.getpid())[3]
        self.session_dir: str | None = None

    def member(self, pid: int) -> bool:
        try:
            state, parent, sid, start = _stat(pid)
            if sid != self.sid or state == "Z":  # a zombie is dead, left to its parent
                return False
            if self.session_dir is None:  # the driver died in ray.init: what it started
                return start > self.since and (parent == 1 or _stat(parent)[2] != sid)
            return _holds(pid, self.session_dir)
        except (OSError, IndexError, ValueError):  # gone, or another user's
            return False

    def kill(self, pid: int) -> bool:
        """SIGKILL ``pid`` if it is a member; through a pidfd where the kernel has
        them, so a recycled process id is never hit."""
        try:
            handle = os.pidfd_open(pid)
        except ProcessLookupError:
            return False
        except (AttributeError, OSError):
            handle = -1
        try:
            if not self.member(pid):
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

    def reap(self) -> int:
        """Kill every member, sweeping until two sweeps find none; how many were killed."""
        deadline = time.monotonic() + SWEEP_S
        killed: set[int] = set()
        quiet = 0
        while quiet < 2 and time.monotonic() < deadline:
            hit = {pid for pid in list(_pids()) if self.kill(pid)}
            killed |= hit
            quiet = 0 if hit else quiet + 1
            time.sleep(0.2)
        return len(killed)


def _driver_died(driver: int, instance: _Instance) -> bool:
    """Follow the driver until it stops the reaper (``False``) or dies (``True``),
    taking the session directory when it names it."""
    import select

    pending = b""
    while True:
        ready, _, _ = select.select([0], [], [], 1.0)
        if ready:
            chunk = os.read(0, 4096)
            if not chunk:
                return True
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                if line.decode() == _STOP:
                    return False
                instance.session_dir = line.decode()
        elif os.getppid() != driver:  # re-parented: the driver died, a fork holds the pipe
            return True


def _main(argv: list[str]) -> int:
    driver, sid = int(argv[1]), int(argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    instance = _Instance(sid)
    if not _driver_died(driver, instance):
        return 0
    killed = instance.reap()
    where = instance.session_dir or "a Ray instance still starting"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    message = f"{stamp} driver {driver} died: killed {killed} processes of {where}\n"
    if instance.session_dir is not None and Path(instance.session_dir, "logs").is_dir():
        with open(Path(instance.session_dir, "logs", _LOG), "a", encoding="utf-8") as log:
            log.write(message)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
