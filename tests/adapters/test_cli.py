"""``apigen blueprints import`` and the adapted families in ``apigen envs list``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import apigen


def test_import_taubench_split_writes_blueprints_that_validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "tb"
    code, stdout, _ = apigen(
        capsys, "blueprints", "import", "taubench", "tests.support.taubench_shop",
        "--split", "train", "--out", str(out),
    )  # fmt: skip
    assert code == 0 and "wrote 42 blueprint files" in stdout
    assert (out / "taubench-train-0.yaml").is_file()
    code, stdout, _ = apigen(capsys, "blueprints", "validate", str(out))
    assert code == 0 and "42/42 blueprint files passed" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "x"), "unknown import source 'nope'"),
        (("taubench", "tests.support.taubench_shop"), "need --split"),
        (("taubench", "no_such_module_x", "--split", "test"), "cannot be imported"),
    ],
)
def test_bad_imports_are_one_line_errors_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = apigen(capsys, "blueprints", "import", *args, "--out", str(tmp_path / "o"))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_envs_list_shows_the_adapted_families(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = apigen(capsys, "envs", "list")
    assert code == 0
    assert "taubench:<…>" in stdout and "bfcl:<…>" in stdout and "airline" in stdout
