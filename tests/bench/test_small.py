"""``apigen bench sandbox|store|rollout`` run end to end at tiny sizes and report every
promised key. No timing assertions: the numbers are read by people, not by tests."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from typer.testing import CliRunner

from apigen.blueprints import curated_dir
from apigen.cli import app


def _bench(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["bench", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_bench_sandbox_reports_scale_ratio_and_memory() -> None:
    data = _bench("sandbox", "--scales", "1,2", "--sandboxes", "10")
    small, large = data["scales"]["1"], data["scales"]["2"]
    assert large["state"]["orders"] == 2 * small["state"]["orders"]
    assert data["scale_ratio"] == pytest.approx(large["total_us"] / small["total_us"], abs=1e-3)
    assert data["sandboxes"] == 10 and data["sandboxes_1000_mib"] > 0
    assert data["goals"] == {"scale_ratio_max": 2.0, "sandboxes_1000_mib_max": 1024}


def test_bench_store_reports_ingest_stats_and_export() -> None:
    data = _bench("store", "--trajectories", "120", "--batch", "50")
    sqlite = data["sqlite"]
    assert data["ingest_per_s"] == sqlite["ingest_per_s"] > 0
    assert sqlite["trajectories"] == sqlite["export_all_records"] == 120
    assert sqlite["stats_s"] > 0 and sqlite["export_all_s"] > 0
    assert 0 < sqlite["accepted"] <= 120 and 0 < sqlite["filtered_export_records"] <= 120
    assert set(data["goals"]) == {"ingest_per_s", "stats_s", "export_all_s"}


@pytest.mark.postgres
def test_bench_store_on_postgresql_leaves_no_schema_behind() -> None:
    url = os.environ.get("APIGEN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("APIGEN_TEST_POSTGRES_URL is not set")
    from apigen.store import Store, run_query, scratch_schema

    # run_query reads as the read-only login a store's migration creates: make sure
    # it exists even when this is the first PostgreSQL test on a fresh server.
    with scratch_schema(url, prefix="apigen_test") as scratch, Store.open(scratch):
        pass

    def bench_schemas() -> set[Any]:
        sql = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'apigen_bench_%'"
        return set(run_query(sql, url).rows)

    before = bench_schemas()
    data = _bench("store", "--trajectories", "60", "--batch", "30", "--postgres", url)
    assert data["postgresql"]["export_all_records"] == 60
    assert bench_schemas() <= before  # the scratch schema was dropped


def test_bench_rollout_compares_early_rejection_on_and_off() -> None:
    files = sorted((curated_dir() / "retail").glob("*.yaml"))[:3]
    args = [a for f in files for a in ("--blueprints", str(f))]
    data = _bench("rollout", *args, "--trials", "2", "--error-rate", "0.5")
    on, off = data["early_rejection_on"], data["early_rejection_off"]
    assert data["blueprints"] == 3 and on["episodes"] == off["episodes"] == 6
    assert off["early_rejected"] == 0
    # Sim numbers: early rejection only stops doomed episodes, so both modes accept alike.
    assert data["unsound"] == 0 and data["same_accepted"] is True
    # saving against the oracle (each rejected episode stopped at its first fatal step)
    assert data["saving"] == data["tokens_per_accepted_saving"]
    assert data["oracle_saving"] is not None and data["goal_ratio_min"] == 0.5
    if data["saving"] is not None and data["oracle_saving"]:
        assert data["ratio"] == round(data["saving"] / data["oracle_saving"], 3)
    causes = data["oracle_causes"]
    assert set(causes) == {"identity", "policy", "irreversible", "budget", "end", "none"}
    assert sum(c["episodes"] for c in causes.values()) == off["episodes"] - off["accepted"]
    assert abs(sum(c["saving"] for c in causes.values()) - data["oracle_saving"]) < 0.002
    assert causes["end"]["saving"] == causes["none"]["saving"] == 0
    assert all(c["stopped_at_fatal"] <= c["episodes"] for c in causes.values())
