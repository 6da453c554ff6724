"""Batches with the sim models: within-run dedup, recombination, feedback yield, the funnel,
output files that `apigen blueprints validate` accepts, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apigen.blueprints import (
    AttemptSpec,
    Phase1Config,
    generate_blueprints,
    group_by_user,
    recombine,
    run_attempt,
    validate_files,
    write_run,
)
from apigen.blueprints._generate import format_funnel
from apigen.env import Environment
from apigen.errors import ProviderError
from apigen.llm import LLMClient
from apigen.llm.sim import parse_sim_model, planned_faults, resolve_knobs
from tests.blueprints.conftest import noisy
from tests.blueprints.fakes import FakeClient
from tests.support.clients import role_client

EXPECTED_STAGE = {
    "unknown_tool": "format",
    "bad_argument": "format",
    "malformed": "format",
    "policy_breach": "policy",
    "missing_fact": "review",
}


async def test_recombination_builds_a_longer_validated_task(
    toy_env: Environment, client: LLMClient
) -> None:
    run = await generate_blueprints(toy_env, 40, client=client)
    groups = [g for g in group_by_user(run.accepted).values() if len(g) >= 2]
    assert groups, "40 attempts over 20 users give some user two blueprints"
    parts = groups[0][:2]
    merged = await recombine(parts, env=toy_env, client=client, index=99)
    assert merged.accepted, merged.report
    assert [s.stage for s in merged.report.stages] == [
        "format",
        "execution",
        "policy",
        "review",
        "dedup",
    ]
    bp = merged.blueprint
    assert bp is not None
    assert len(bp.actions) > max(len(p.actions) for p in parts)
    assert [a.name for a in bp.actions].count("find_user") == 1  # authentication once
    writes = [a for p in parts for a in p.actions if a.name in ("deposit", "close_account")]
    assert [a for a in bp.actions if a.name in ("deposit", "close_account")] == writes
    assert bp.instruction not in {p.instruction for p in parts}
    assert bp.context["recombined_from"] == [p.fingerprint() for p in parts]
    assert bp.context["user"] == parts[0].context["user"]
    assert len(bp.context["task"]["steps"]) == sum(len(p.context["task"]["steps"]) for p in parts)
    assert merged.spec.parts == tuple(bp.context["recombined_from"])
    other = next(b for b in run.accepted if b.context["user"] != parts[0].context["user"])
    with pytest.raises(ValueError, match="share domain and user"):
        await recombine([parts[0], other], env=toy_env, client=client)


async def test_batch_dedups_within_the_run_in_index_order(
    toy_env: Environment, client: LLMClient
) -> None:
    run = await generate_blueprints(toy_env, 60, client=client, concurrency=8)
    dups = [r for r in run.results if r.failed_stage == "dedup"]
    assert len(run.results) == 60 and dups  # 20 users: repeats are certain
    for dup in dups:
        assert dup.blueprint is not None
        reason = dup.report.stages[-1].reasons[0]
        earlier = int(reason.split("repeats attempt ")[1].split(" ")[0])
        assert earlier < dup.spec.index and run.results[earlier].accepted
        first = run.results[earlier].blueprint
        assert first is not None and first.fingerprint() == dup.blueprint.fingerprint()
    accepted = [r.blueprint.fingerprint() for r in run.results if r.accepted and r.blueprint]
    assert len(accepted) == len(set(accepted))


async def test_feedback_lifts_yield_and_failures_match_planned_faults(
    toy_env: Environment, client: LLMClient, tmp_path: Path
) -> None:
    model = noisy(0.15)
    runs = {
        k: await generate_blueprints(
            toy_env,
            40,
            client=role_client(generator=model),
            config=Phase1Config(rounds=k),
            seed=2,
        )
        for k in (0, 3)
    }
    # Every first-round failure is the fault the sim planned for that attempt, caught at
    # its stage; attempts without a planned fault pass in round 0.
    knobs = resolve_knobs(parse_sim_model(model)[1])
    caught = 0
    for result in runs[0].results:
        plan = planned_faults("generator", knobs, result.spec.key, result.spec.derived_seed)
        failed = result.rounds[0].report.failed_stage
        if plan.kind is None:
            assert failed is None or failed.stage == "dedup"
        elif failed is not None and failed.stage != "dedup":
            assert failed.stage == EXPECTED_STAGE[plan.kind], (plan, failed)
            caught += 1
    assert caught >= 10
    y0, y3 = runs[0].funnel()["yield"], runs[3].funnel()["yield"]
    assert y3 > y0 + 0.3, (y0, y3)
    assert set(runs[3].funnel()["rounds"]) >= {"0", "1"}


async def test_funnel_and_files(toy_env: Environment, client: LLMClient, tmp_path: Path) -> None:
    seen: list[int] = []
    config = Phase1Config()
    client = role_client(generator="sim/generator?policy_breach=1")
    run = await generate_blueprints(
        toy_env,
        12,
        client=client,
        config=config,
        seed=3,
        recombine_users=True,
        progress=lambda done, total, result: seen.append(done),
    )
    assert seen == list(range(1, 13))
    funnel = run.funnel()
    assert funnel["attempted"] == 12
    assert funnel["accepted"] == sum(r.accepted for r in run.results)
    assert funnel["rounds"] == {"1": funnel["accepted"]}
    assert funnel["failures_repaired_or_not"]["policy"] >= 12
    assert funnel["usage"]["generator"]["calls"] >= 24
    text = "\n".join(format_funnel(funnel))
    assert f"accepted   {funnel['accepted']}  (yield " in text and "failed at policy" in text
    counts = write_run(run, tmp_path)
    files = sorted(tmp_path.glob("*.yaml"))
    assert counts["accepted"] == len(files) == funnel["accepted"] + funnel["recombined"]["accepted"]
    reports = validate_files([tmp_path])
    assert reports and all(r.passed for r in reports)
    lines = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert len(lines) == counts["rejected"]
    for line in lines:
        assert line["accepted"] is False and line["rounds"] and line["failed_stage"]


async def test_same_seed_same_blueprints(toy_env: Environment) -> None:
    config = Phase1Config()
    roles = {"generator": noisy(0.1), "reviewer": ("sim/reviewer?disagree=0.1",) * 3}
    a = await generate_blueprints(toy_env, 10, client=role_client(**roles), config=config, seed=5)
    b = await generate_blueprints(toy_env, 10, client=role_client(**roles), config=config, seed=5)
    assert [r.rounds for r in a.results] == [r.rounds for r in b.results]
    c = await generate_blueprints(toy_env, 10, client=role_client(**roles), config=config, seed=6)
    assert [r.blueprint for r in a.results] != [r.blueprint for r in c.results]


async def test_provider_errors_are_recorded_not_raised(
    toy_env: Environment, tmp_path: Path
) -> None:
    def flaky(model: str, prompt: str, ctx: Any) -> str:
        if ctx["episode"].endswith("/1"):
            raise ProviderError("rate limited", kind="rate_limit", retryable=True, status_code=429)
        return FakeClient()._generate(model, prompt, ctx)

    run = await generate_blueprints(toy_env, 3, client=FakeClient(generator=flaky))
    assert list(run.errors) == [1] and len(run.results) == 2
    funnel = run.funnel()
    assert funnel["errors"] == 1 and funnel["attempted"] == 3
    assert funnel["error_examples"] == ["ProviderError: rate limited"]
    text = "\n".join(format_funnel(funnel))
    assert "provider errors  1\n      ProviderError: rate limited" in text
    assert "accepted   2  (yield 66.7%)" in text and "failed at review     0" in text
    write_run(run, tmp_path)
    assert '"error": "ProviderError' in (tmp_path / "rejected.jsonl").read_text()
    with pytest.raises(ProviderError):
        await run_attempt(
            AttemptSpec(domain="toy", index=1), env=toy_env, client=FakeClient(generator=flaky)
        )
