"""Output paths checked before any work: no silent overwrite, one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

from apigen.errors import UserError

__all__ = ["check_output"]


def check_output(
    path: str | Path, *, option: str = "--out", force: bool = False, directory: bool = False
) -> Path:
    """``path`` as a :class:`Path` when apigen may write it, else :class:`UserError`.

    Refused: an existing file (or, with ``directory``, a non-empty directory) unless
    ``force``; a directory where a file is expected; a missing parent directory; a
    parent directory that is not writable. ``option`` names the flag in messages.
    """
    path = Path(path)
    if path.is_dir() and not directory:
        raise UserError(f"{option} {path}: is a directory, expected a file")
    if path.exists() and not path.is_dir() and directory:
        raise UserError(f"{option} {path}: is a file, expected a directory")
    if not force and path.exists() and (not directory or any(path.iterdir())):
        what = "directory is not empty" if directory else "exists"
        raise UserError(f"{option} {path}: {what} (pass --force to overwrite)")
    parent = path if directory and path.is_dir() else path.parent
    if not parent.exists():
        raise UserError(f"{option} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: directory {parent} is not writable")
    if path.exists() and not path.is_dir() and not os.access(path, os.W_OK):
        raise UserError(f"{option} {path}: file is not writable")
    return path
