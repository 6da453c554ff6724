"""Live checks against a configured endpoint: skipped unless ``APIGEN_LIVE=1``.

``APIGEN_LIVE_CONFIG`` names the settings file (see ``apigen init``) whose models
play the roles; the README shows how to run these. They reach the network, so the
suite's network guard is lifted for this module only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import apigen

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(os.environ.get("APIGEN_LIVE") != "1", reason="needs APIGEN_LIVE=1"),
]


@pytest.fixture(autouse=True)
def _no_network() -> None:
    """Overrides the suite's guard: these tests call the configured endpoint."""


@pytest.fixture
def config() -> str:
    path = os.environ.get("APIGEN_LIVE_CONFIG")
    if not path or not Path(path).is_file():
        pytest.fail("set APIGEN_LIVE_CONFIG to a settings file with the models to test")
    return path


def test_every_configured_model_answers_parseably(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = apigen(capsys, "models", "check", "--config", config, "--json")
    assert code == 0, err
    assert all(json.loads(line)["ok"] for line in out.splitlines())


def test_three_items_of_the_whole_pipeline(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "live.db")
    code, out, err = apigen(
        capsys,
        "run",
        "--config",
        config,
        "-n",
        "3",
        "--trials",
        "1",
        "--backend",
        "local",
        "--db",
        db,
        "--quiet",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["done"] == 3 and summary["failed"] == 0, summary
    code, out, err = apigen(capsys, "stats", "--db", db, "--json")
    assert code == 0, err
