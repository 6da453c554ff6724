"""``apigen bench llm --json`` runs end to end and reports every promised key."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from apigen.cli import app
from apigen.errors import ConfigError


def test_bench_llm_json_shape() -> None:
    args = "bench llm --json --calls 20 --rounds 1 --concurrency 1,8 --waves 2 --latency 0.05"
    result = CliRunner().invoke(app, args.split())
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    cpu = data["cpu_ms_per_call"]
    assert cpu["apigen"] > 0 and cpu["litellm"] > 0
    assert abs(data["ratio"] - cpu["apigen"] / cpu["litellm"]) < 0.01
    levels = data["latency_hiding"]
    assert [row["concurrency"] for row in levels] == [1, 8]
    for row in levels:
        assert row["ideal_per_s"] == round(row["concurrency"] / 0.05, 1)
        assert 0 < row["efficiency"] <= 1.05  # never meaningfully above ideal: latency is real
        assert row["calls"] == row["concurrency"] * 2


def test_bench_llm_rejects_bad_concurrency() -> None:
    result = CliRunner().invoke(app, ["bench", "llm", "--concurrency", "1,x"])
    assert isinstance(result.exception, ConfigError)
    assert "--concurrency" in str(result.exception)
