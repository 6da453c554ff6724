"""Every model a run may call is under the run-wide rate limiter, fallbacks included:
a model reached only as a fallback keeps its ``rpm`` across Ray workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.bench._rate_server import RateLimitedServer
from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
from apigen.runner import collect, run_limits
from apigen.settings import Settings
from apigen.store import run_query

pytestmark = pytest.mark.usefixtures("ray_local")

BACKUP = "hosted_vllm/backup"


def test_a_fallback_only_model_keeps_its_rpm_run_wide(tmp_path: Path) -> None:
    # The server admits 2 requests a second (a 2-request burst); the settings allow the
    # backup 1 a second. Items on two workers, two in flight each, all need the backup
    # (the primary always fails, at once): unlimited, they would overrun the server.
    # Retail blueprints: Ray workers know the shipped domains, not the test suite's toy.
    server = RateLimitedServer(rpm=120, burst_s=1.0).start()
    db = f"sqlite:///{tmp_path / 'f.db'}"
    settings = Settings.model_validate(
        {
            "backend": "ray",
            "workers": 2,
            "concurrency": 2,
            "database_url": db,
            "models": {
                "agent": {"models": ["sim/agent?server_error=1"], "fallbacks": [BACKUP]},
                "endpoints": {
                    BACKUP: {"api_base": server.url, "rpm": 60},
                    "sim/*": {"max_attempts": 1},
                },
            },
            "rollout": {"trials": 1, "max_turns": 2, "verifiers": ["state", "outputs", "policy"]},
        }
    )
    blueprints = [load_blueprint(p) for p in iter_blueprint_files([curated_dir() / "retail"])][:4]
    assert BACKUP in settings.models.all_models()
    assert run_limits(settings)[BACKUP].rpm == 60
    try:
        summary = collect(settings, blueprints, progress=False)
    finally:
        server.stop()
    assert summary.status == "completed" and summary.done == len(blueprints)
    calls = run_query(
        f"SELECT sum(calls) FROM llm_usage WHERE model = '{BACKUP}' "
        f"AND run_id = '{summary.run_id}'",
        db,
    ).rows[0][0]
    assert calls >= len(blueprints)  # every agent turn was answered by the fallback
    assert server.served == calls and server.rejected == 0  # never over the server's limit
