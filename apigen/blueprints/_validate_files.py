"""``apigen blueprints validate``: stages 1-3 over files, one report per file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from apigen.blueprints._checks import validate_offline
from apigen.blueprints._files import iter_blueprint_files, load_blueprint
from apigen.env import load_environment
from apigen.errors import BlueprintFileError, UnknownNameError
from apigen.types import StageOutcome

__all__ = ["FileReport", "check_curated", "validate_files"]


@dataclass(frozen=True)
class FileReport:
    path: str
    blueprint_id: str | None
    stages: list[StageOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.stages) and all(s.passed for s in self.stages)

    @property
    def failure(self) -> StageOutcome | None:
        return next((s for s in self.stages if not s.passed), None)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "id": self.blueprint_id,
            "passed": self.passed,
            "stages": [s.model_dump(mode="json", exclude_defaults=True) for s in self.stages],
        }


def validate_files(paths: Iterable[str | Path], *, seed: int = 0) -> list[FileReport]:
    """Validate every blueprint file under ``paths`` against its domain (state ``seed``).

    A malformed file or an unknown domain raises a :class:`apigen.errors.UserError`.
    """
    files = list(iter_blueprint_files(paths))
    blueprints = [(p, load_blueprint(p)) for p in files]
    reports = []
    for path, bp in blueprints:
        try:
            env = load_environment(bp.domain, seed=seed)
        except UnknownNameError as exc:
            raise BlueprintFileError(str(path), str(exc), field="domain") from None
        stages, _ = validate_offline(bp, env)
        reports.append(FileReport(str(path), bp.id, stages))
    return reports


def check_curated(domain_name: str) -> list[FileReport]:
    """Validate the curated blueprints of ``domain_name``: ``blueprints/<domain>/`` and,
    for a plug-in, ``blueprints/`` beside the module defining the domain."""
    from apigen.blueprints._files import curated_dir
    from apigen.env import domain_folder

    home = domain_folder(domain_name)
    folders = [curated_dir() / domain_name, *([home / "blueprints"] if home else [])]
    return validate_files([f for f in folders if f.is_dir()])
