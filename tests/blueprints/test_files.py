"""Blueprint files: schema kept current, malformed files named precisely, validate CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigen.blueprints import (
    blueprint_json_schema,
    curated_dir,
    dump_blueprint,
    load_blueprint,
    validate_files,
)
from apigen.cli import app
from apigen.errors import BlueprintFileError
from apigen.types import Blueprint, ToolCall

ROOT = Path(__file__).resolve().parents[2]


def good_blueprint() -> Blueprint:
    return Blueprint(
        id="toy-1",
        domain="toy",
        instruction="You are user0@example.com. Deposit 25 dollars into account a0_0.",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
            ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 25}),
        ),
    )


def test_schema_file_is_current() -> None:
    on_disk = json.loads((ROOT / "blueprints" / "schema.json").read_text())
    assert on_disk == blueprint_json_schema(), (
        "run: apigen blueprints schema --out blueprints/schema.json"
    )
    assert curated_dir() == ROOT / "blueprints"


def test_round_trip(tmp_path: Path) -> None:
    path = dump_blueprint(good_blueprint(), tmp_path / "a.yaml")
    assert path.read_text().startswith("# yaml-language-server: $schema=")
    assert load_blueprint(path) == good_blueprint()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "domain: toy\ninstruction: x\nactions: [{name: deposit, arguments: {}}]\nbogus: 1\n",
            "bogus",
        ),
        ("domain: toy\ninstruction: x\nactions: []\n", "actions"),
        ("domain: toy\nactions: [{name: deposit}]\n", "instruction"),
        (
            "domain: toy\ninstruction: x\nactions: [{name: deposit, arguments: 3}]\n",
            "actions.0.arguments",
        ),
        ("- just a list\n", "expected a mapping"),
        ("domain: [unclosed\n", "invalid YAML"),
    ],
)
def test_malformed_file_names_file_and_field(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(BlueprintFileError) as info:
        load_blueprint(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def _write(tmp_path: Path, name: str, **changes: object) -> Path:
    bp = good_blueprint().model_copy(update=changes)
    return dump_blueprint(bp, tmp_path / f"{name}.yaml")


def test_stages_fail_where_they_should(tmp_path: Path) -> None:
    _write(tmp_path, "ok")
    _write(tmp_path, "unknown_tool", actions=(ToolCall(name="teleport", arguments={}),))
    _write(
        tmp_path,
        "bad_type",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
            ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": "25"}),
        ),
    )
    _write(
        tmp_path,
        "exec",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
            ToolCall(name="deposit", arguments={"account_id": "nope", "amount": 25}),
        ),
    )
    _write(
        tmp_path,
        "policy",
        actions=(
            ToolCall(name="find_user", arguments={"email": "user0@example.com"}),
            ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": 25}),
        ),
    )
    reports = {Path(r.path).stem: r for r in validate_files([tmp_path])}
    assert reports["ok"].passed
    assert reports["unknown_tool"].failure.stage == "format"
    assert any("unknown tool 'teleport'" in r for r in reports["unknown_tool"].failure.reasons)
    assert reports["bad_type"].failure.stage == "format"
    assert "amount" in reports["bad_type"].failure.reasons[0]
    assert reports["exec"].failure.stage == "execution"
    assert "not found" in reports["exec"].failure.reasons[0]
    assert reports["policy"].failure.stage == "policy"
    assert "own_accounts_only" in reports["policy"].failure.reasons[0]


def test_validate_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = _write(tmp_path, "ok")
    result = runner.invoke(app, ["blueprints", "validate", str(ok)])
    assert result.exit_code == 0, result.output
    assert "1/1 blueprint files passed" in result.output
    _write(
        tmp_path,
        "policy",
        actions=(ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": 2}),),
    )
    result = runner.invoke(app, ["blueprints", "validate", str(tmp_path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["files"] == 2 and report["passed"] == 1


def test_user_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: nowhere\ninstruction: x\nactions: [{name: a}]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "apigen", "blueprints", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "domain" in proc.stderr and "unknown domain 'nowhere'" in proc.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "apigen", "blueprints", "validate", str(tmp_path / "none.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr
