"""One settings file, the same behaviour in every model-calling command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from apigen.blueprints import curated_dir
from apigen.cli import app
from apigen.store import Store, run_query

GENERATOR = "sim/generator?latency=0"  # a distinct name for the same sim generator
JUDGES = ["sim/judge", "sim/judge?disagree=0"]


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def settings_file(tmp_path: Path, **extra: Any) -> Path:
    path = tmp_path / "apigen.yaml"
    data = {
        "models": {
            "generator": {"models": [GENERATOR]},
            "judge": {"models": JUDGES},
            "human": {"models": ["sim/human"]},
        },
        "rollout": {"trials": 1},
        **extra,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_generate_records_calls_under_the_configured_generator(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    config = settings_file(tmp_path)
    out = invoke(
        "blueprints", "generate", "--config", str(config), "--domain", "toy", "-n", "3",
        "--db", db, "--json",
    )  # fmt: skip
    run_id = json.loads(out.stdout)["run_id"]
    rows = run_query(
        f"SELECT role, model, sum(calls) FROM llm_usage WHERE run_id = '{run_id}' "
        "GROUP BY role, model ORDER BY role",
        db,
    ).rows
    assert ("generator", GENERATOR, 3) in [tuple(r) for r in rows]
    assert {r[1] for r in rows if r[0] == "generator"} == {GENERATOR}
    with Store.open(db) as store:
        assert all(bp.generator == GENERATOR for bp in store.accepted_blueprints(run_id))


def committee_votes(db: str) -> set[tuple[str, ...]]:
    with Store.open(db) as store:
        return {
            tuple(vote.judge for vote in v.votes)
            for t in store.trajectories()
            for v in t.verdicts
            if v.verifier == "committee"
        }


def test_collect_and_run_apply_the_same_committee(tmp_path: Path) -> None:
    config = settings_file(tmp_path, domain="retail", n=2, workers=1, concurrency=2)
    collected = f"sqlite:///{tmp_path / 'c.db'}"
    blueprints = str(curated_dir() / "retail" / "cancel_by_email.yaml")
    invoke(
        "trajectories", "collect", "--config", str(config), "--blueprints", blueprints,
        "--db", collected, "--json",
    )  # fmt: skip
    ran = f"sqlite:///{tmp_path / 'r.db'}"
    invoke("run", "--config", str(config), "--db", ran, "--quiet", "--json")
    expected = {tuple(JUDGES)}
    assert committee_votes(collected) == expected
    assert committee_votes(ran) == expected
