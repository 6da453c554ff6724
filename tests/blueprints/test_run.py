"""Batches: within-run dedup, recombination, the funnel, output files `validate` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apigen.blueprints import (
    AttemptSpec,
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
from tests.blueprints.fakes import FakeClient


async def test_recombination_builds_a_longer_validated_task(toy_env: Environment) -> None:
    run = await generate_blueprints(toy_env, 40, client=FakeClient())
    groups = [g for g in group_by_user(run.accepted).values() if len(g) >= 2]
    assert groups, "40 attempts over 20 users give some user two blueprints"
    parts = groups[0][:2]
    client = FakeClient()
    merged = await recombine(parts, env=toy_env, client=client, index=99)
    assert merged.accepted, merged.report
    bp = merged.blueprint
    assert bp is not None
    assert len(bp.actions) > max(len(p.actions) for p in parts)
    assert [a.name for a in bp.actions].count("find_user") == 1  # authentication once
    writes = [a for p in parts for a in p.actions if a.name in ("deposit", "close_account")]
    assert [a for a in bp.actions if a.name in ("deposit", "close_account")] == writes
    assert bp.context["recombined_from"] == [p.fingerprint() for p in parts]
    assert bp.context["user"] == parts[0].context["user"]
    assert merged.spec.parts == tuple(bp.context["recombined_from"])
    ctx = client.calls[0][2]
    assert ctx["recombine"] == [p.instruction for p in parts]
    assert len(ctx["task"].steps) == sum(len(p.context["task"]["steps"]) for p in parts)
    with pytest.raises(ValueError, match="share domain and user"):
        other = next(b for b in run.accepted if b.context["user"] != parts[0].context["user"])
        await recombine([parts[0], other], env=toy_env, client=client)


async def test_batch_dedups_within_the_run_in_index_order(toy_env: Environment) -> None:
    run = await generate_blueprints(toy_env, 60, client=FakeClient(), concurrency=8)
    fps = [r.blueprint.fingerprint() for r in run.results if r.blueprint]
    dups = [r for r in run.results if r.failed_stage == "dedup"]
    assert len(run.results) == 60 and len(set(fps)) < 60 and dups
    for dup in dups:
        assert dup.blueprint is not None
        reason = dup.report.stages[-1].reasons[0]
        earlier = int(reason.split("repeats attempt ")[1].split(" ")[0])
        assert earlier < dup.spec.index
        assert run.results[earlier].accepted
        assert run.results[earlier].blueprint.fingerprint() == dup.blueprint.fingerprint()
    accepted = [r.blueprint.fingerprint() for r in run.results if r.accepted]
    assert len(accepted) == len(set(accepted))


async def test_funnel_and_files(toy_env: Environment, tmp_path: Path) -> None:
    faults = {0: "policy_breach"}
    seen: list[int] = []
    run = await generate_blueprints(
        toy_env,
        12,
        client=FakeClient(faults=faults),
        seed=3,
        recombine_users=True,
        progress=lambda done, total, result: seen.append(done),
    )
    assert seen == list(range(1, 13))
    funnel = run.funnel()
    assert funnel["attempted"] == 12
    assert funnel["accepted"] == sum(r.accepted for r in run.results)
    assert funnel["rounds"] == {"1": funnel["accepted"]}
    assert funnel["failures_repaired_or_not"]["policy"] == 12
    assert funnel["usage"]["generator"]["calls"] >= 24
    counts = write_run(run, tmp_path)
    files = sorted(tmp_path.glob("*.yaml"))
    assert counts["accepted"] == len(files) == funnel["accepted"] + funnel["recombined"]["accepted"]
    reports = validate_files([tmp_path])
    assert reports and all(r.passed for r in reports)
    lines = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert len(lines) == counts["rejected"]
    for line in lines:
        assert line["accepted"] is False and line["rounds"] and line["failed_stage"]


async def test_provider_errors_are_recorded_not_raised(
    toy_env: Environment, tmp_path: Path
) -> None:
    def flaky(model: str, prompt: str, ctx: dict) -> str:
        if ctx["episode"].endswith("/1"):
            raise ProviderError("rate limited", kind="rate_limit", retryable=True, status_code=429)
        return FakeClient()._generate(model, prompt, ctx)

    run = await generate_blueprints(toy_env, 3, client=FakeClient(generator=flaky))
    assert list(run.errors) == [1] and len(run.results) == 2
    assert run.funnel()["errors"] == 1 and run.funnel()["attempted"] == 3
    assert run.funnel()["error_examples"] == ["ProviderError: rate limited"]
    text = "\n".join(format_funnel(run.funnel()))
    assert "provider errors  1\n      ProviderError: rate limited" in text
    assert "accepted   2  (yield 66.7%)" in text and "failed at review     0" in text
    write_run(run, tmp_path)
    assert '"error": "ProviderError' in (tmp_path / "rejected.jsonl").read_text()
    with pytest.raises(ProviderError):
        await run_attempt(
            AttemptSpec(domain="toy", index=1), env=toy_env, client=FakeClient(generator=flaky)
        )
