"""Processes as Linux's ``/proc`` shows them, for tests of what a killed process leaves
behind (only processes the test started are ever signalled by the tests)."""

from __future__ import annotations

import os


def stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent, session, start time) of a process; ``None`` when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1]), int(fields[3]), int(fields[19])


def live() -> dict[int, tuple[str, int, int, int]]:
    """Every process that runs (zombies left out): pid -> :func:`stat`."""
    table = {int(p): stat(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    return {pid: st for pid, st in table.items() if st is not None and st[0] != "Z"}


def session(sid: int) -> dict[int, int]:
    """The live processes of session ``sid`` and their descendants: pid -> start time
    (the start time tells a recycled pid apart)."""
    now = live()
    family = {pid for pid, st in now.items() if st[2] == sid}
    while more := {pid for pid, st in now.items() if st[1] in family} - family:
        family |= more  # e.g. the reaper, in a session of its own
    return {pid: now[pid][3] for pid in family}


def survivors(processes: dict[int, int]) -> list[int]:
    """Those of ``processes`` (pid -> start time, from :func:`session`) still running."""
    now = live()
    return [pid for pid, start in processes.items() if pid in now and now[pid][3] == start]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    st = stat(pid)
    return st is not None and st[0] != "Z"
