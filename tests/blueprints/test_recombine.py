"""Recombination with the sim models: accepted tasks of one user merged into a longer,
validated task."""

from __future__ import annotations

import pytest

from apigen.blueprints import DEFAULT_STAGES, AttemptSpec, group_by_user, recombine, run_attempt
from apigen.env import Environment
from apigen.llm import LLMClient


async def test_recombination_builds_a_longer_validated_task(
    toy_env: Environment, client: LLMClient
) -> None:
    accepted = []
    for index in range(40):
        attempt = await run_attempt(
            AttemptSpec(domain="toy", index=index), env=toy_env, client=client
        )
        if attempt.accepted and attempt.blueprint is not None:
            accepted.append(attempt.blueprint)
    groups = [g for g in group_by_user(accepted).values() if len(g) >= 2]
    assert groups, "40 attempts over 20 users give some user two blueprints"
    parts = groups[0][:2]
    merged = await recombine(parts, env=toy_env, client=client, index=99)
    assert merged.accepted, merged.report
    assert [s.stage for s in merged.report.stages] == list(DEFAULT_STAGES)
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
    other = next(b for b in accepted if b.context["user"] != parts[0].context["user"])
    with pytest.raises(ValueError, match="share domain and user"):
        await recombine([parts[0], other], env=toy_env, client=client)
