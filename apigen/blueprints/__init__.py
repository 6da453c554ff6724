"""Phase 1: task blueprints — files, validation, (later) generation.

Public surface
--------------
``load_blueprint(path) -> Blueprint``      parse one YAML file (``BlueprintFileError`` on
                                           a malformed one, naming file and field)
``dump_blueprint(bp, path)``               write one YAML file
``iter_blueprint_files(paths)``            expand files/directories to YAML files
``blueprint_json_schema()``                the schema written to ``blueprints/schema.json``
``curated_dir()``                          the curated blueprints directory
``check_format`` / ``check_execution`` / ``check_policy``
                                           validation stages 1-3 as ``StageOutcome``
``validate_offline(bp, env)``              stages 1-3 in order, stopping at a failure
``validate_files(paths) -> FileReport[]``  what ``apigen blueprints validate`` runs
``check_curated(domain) -> FileReport[]``  the curated files of one domain
"""

from apigen.blueprints._checks import check_execution, check_format, check_policy, validate_offline
from apigen.blueprints._files import (
    blueprint_json_schema,
    curated_dir,
    dump_blueprint,
    iter_blueprint_files,
    load_blueprint,
)
from apigen.blueprints._validate_files import FileReport, check_curated, validate_files

__all__ = [
    "FileReport",
    "blueprint_json_schema",
    "check_curated",
    "check_execution",
    "check_format",
    "check_policy",
    "curated_dir",
    "dump_blueprint",
    "iter_blueprint_files",
    "load_blueprint",
    "validate_files",
    "validate_offline",
]
