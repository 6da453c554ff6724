"""Trajectories as JSONL: one ``Trajectory.model_dump_json()`` per line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from apigen.errors import UserError
from apigen.types import Trajectory

__all__ = ["find_trajectory", "read_trajectories", "write_trajectories"]


def write_trajectories(
    path: str | Path, trajectories: Iterable[Trajectory], *, append: bool = False
) -> int:
    """Write (or append) ``trajectories`` to ``path``, one JSON object per line; the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("a" if append else "w", encoding="utf-8") as fh:
        for traj in trajectories:
            fh.write(traj.model_dump_json() + "\n")
            count += 1
    return count


def read_trajectories(path: str | Path) -> Iterator[Trajectory]:
    """The trajectories of a JSONL file, in order; blank lines are skipped.

    A missing file or a malformed line raises :class:`UserError` naming file and line.
    """
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        for number, line in _lines(fh, path):
            if not line.strip():
                continue
            try:
                yield Trajectory.model_validate_json(line)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                detail = f"{where}: {err['msg']}" if where else err["msg"]
                raise UserError(f"{path}:{number}: not a trajectory ({detail})") from None


def _lines(fh: Iterable[str], path: Path) -> Iterator[tuple[int, str]]:
    number = 0
    try:
        for number, line in enumerate(fh, start=1):
            yield number, line
    except UnicodeDecodeError:
        raise UserError(f"{path}:{number + 1}: not UTF-8 text (a binary file?)") from None


def find_trajectory(path: str | Path, ident: str) -> Trajectory:
    """The trajectory of ``path`` whose id is ``ident`` (or starts with it, when only one
    does); :class:`UserError` when none or several match."""
    found = [t for t in read_trajectories(path) if t.id and t.id.startswith(ident)]
    exact = [t for t in found if t.id == ident]
    if exact:
        return exact[0]
    if not found:
        raise UserError(f"no trajectory {ident!r} in {path}")
    if len(found) > 1:
        ids = ", ".join(sorted({t.id or "" for t in found})[:5])
        raise UserError(f"{ident!r} matches {len(found)} trajectories in {path} ({ids}…)")
    return found[0]
