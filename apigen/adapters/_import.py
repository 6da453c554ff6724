"""``apigen blueprints import SOURCE NAME``: a foreign task list as blueprint files."""

from __future__ import annotations

from pathlib import Path

from apigen.adapters._bfcl_import import bfcl_blueprints
from apigen.adapters._foreign import Imported
from apigen.adapters._taubench_io import taubench_tasks
from apigen.errors import UserError

__all__ = ["IMPORT_SOURCES", "import_blueprints"]

IMPORT_SOURCES = ("taubench", "bfcl")


def import_blueprints(
    source: str, name: str, *, split: str | None = None, out: str | Path | None = None
) -> Imported:
    """Blueprints from ``source`` (``taubench``: ``name`` is a module and ``split`` is
    required; ``bfcl``: ``name`` is a category); with ``out``, each is also written to
    ``out/<id>.yaml`` (the directory is the caller's to check)."""
    from apigen.blueprints import dump_blueprint

    if source == "taubench":
        if not split:
            raise UserError("taubench imports need --split (train, test, ...)")
        imported = taubench_tasks(name, split)
    elif source == "bfcl":
        if split:
            raise UserError("bfcl imports take a category, not --split")
        imported = bfcl_blueprints(name)
    else:
        raise UserError(f"unknown import source {source!r} (known: {', '.join(IMPORT_SOURCES)})")
    if out is not None:
        for bp in imported.blueprints:
            dump_blueprint(bp, Path(out) / f"{bp.id}.yaml")
    return imported
