"""Many attempts: concurrent runs, within-run dedup, recombination, the funnel, output files."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigen.blueprints._attempt import AttemptResult, run_attempt
from apigen.blueprints._client import ModelClient
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._files import dump_blueprint
from apigen.blueprints._recombine import group_by_user, recombine
from apigen.blueprints._sampling import AttemptSpec
from apigen.blueprints._stages import DEFAULT_STAGES, PARSE_STAGE
from apigen.blueprints._templates import PromptTemplates
from apigen.env import Environment
from apigen.errors import ProviderError
from apigen.types import Blueprint, StageOutcome, Usage, ValidationReport

__all__ = [
    "AttemptDone",
    "Phase1Run",
    "blueprint_key",
    "generate_blueprints",
    "mark_duplicate",
    "write_run",
]

Progress = Callable[[int, int, AttemptResult | None], None]
"""Called after each attempt with (done, total, result or ``None`` on a provider error)."""

AttemptDone = Callable[[int, AttemptResult | None, ProviderError | None], None]
"""Called as each attempt (or recombination) finishes with its index and either its
result (before within-run dedup) or the provider error that ended it."""


def blueprint_key(bp: Blueprint) -> str:
    """The stable id of an accepted blueprint: ``<domain>-<first 16 of fingerprint>``
    (its file name under ``--out``, its ``Blueprint.id`` in the database)."""
    return f"{bp.domain}-{bp.fingerprint()[:16]}"


def mark_duplicate(result: AttemptResult, reason: str) -> AttemptResult:
    """``result`` with its final ``dedup`` stage failed for ``reason`` (within-run dedup)."""
    stages = [s for s in result.report.stages if s.stage != "dedup"]
    stages.append(StageOutcome(stage="dedup", passed=False, reasons=(reason,)))
    report = ValidationReport(stages=tuple(stages), round=result.report.round)
    bp = result.blueprint.model_copy(update={"report": report}) if result.blueprint else None
    last = result.rounds[-1].model_copy(update={"report": report, "blueprint": bp})
    return result.model_copy(
        update={"report": report, "blueprint": bp, "rounds": (*result.rounds[:-1], last)}
    )


@dataclass
class Phase1Run:
    """A batch of attempts and what became of them."""

    domain: str
    seed: int
    results: list[AttemptResult] = field(default_factory=list)
    """Sampled attempts in index order (provider failures excluded)."""
    errors: dict[int, str] = field(default_factory=dict)
    """Attempt index -> provider error that ended it."""
    recombined: list[AttemptResult] = field(default_factory=list)
    stages: tuple[str, ...] = DEFAULT_STAGES
    """Stages the funnel reports, in order (the configured ones, ``format`` first)."""

    @property
    def accepted(self) -> list[Blueprint]:
        """Accepted blueprints: sampled ones, then recombined ones."""
        return [r.blueprint for r in self.results + self.recombined if r.accepted and r.blueprint]

    def funnel(self) -> dict[str, Any]:
        """Per-stage funnel: attempts, final failures per stage with top reasons,
        acceptances, the rounds histogram, stage failures met on the way, usage."""
        results = self.results
        attempted = len(results) + len(self.errors)
        accepted = [r for r in results if r.accepted]
        failed: dict[str, Any] = {}
        for stage in self.stages:
            hit = [r for r in results if r.failed_stage == stage]
            reasons = Counter(_shape(x) for r in hit for x in _stage(r.report, stage).reasons)
            failed[stage] = {"count": len(hit), "top_reasons": reasons.most_common(3)}
        seen: Counter[str] = Counter(
            rec.report.failed_stage.stage
            for r in results
            for rec in r.rounds
            if rec.report.failed_stage is not None
        )
        usage: dict[str, Usage] = {}
        for r in results + self.recombined:
            for role, u in r.usage.items():
                usage[role] = usage.get(role, Usage()) + u
        return {
            "domain": self.domain,
            "attempted": attempted,
            "accepted": len(accepted),
            "yield": round(len(accepted) / attempted, 4) if attempted else 0.0,
            "errors": len(self.errors),
            "error_examples": list(dict.fromkeys(self.errors.values()))[:3],
            "failed": failed,
            "rounds": dict(sorted(Counter(str(r.report.round) for r in accepted).items())),
            "failures_repaired_or_not": {s: seen.get(s, 0) for s in self.stages},
            "recombined": {
                "attempted": len(self.recombined),
                "accepted": sum(r.accepted for r in self.recombined),
            },
            "usage": {k: v.model_dump() for k, v in sorted(usage.items())},
        }


def _stage(report: ValidationReport, name: str) -> StageOutcome:
    return next(s for s in report.stages if s.stage == name)


def _shape(reason: str) -> str:
    """A reason with ids and numbers blanked, so equal causes count together."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    text = re.sub(r"\b[0-9a-f]{12,}\b", "…", text)
    text = re.sub(r"(?<![#\w])\d+(?:\.\d+)?(?!\w)", "#", text)
    return text if len(text) <= 160 else text[:159] + "…"


async def generate_blueprints(
    env: Environment,
    n: int,
    *,
    client: ModelClient,
    config: Phase1Config | None = None,
    seed: int = 0,
    known_fingerprints: Container[str] = frozenset(),
    concurrency: int = 16,
    recombine_users: bool = False,
    progress: Progress | None = None,
    client_for: Callable[[int], ModelClient] | None = None,
    on_attempt: AttemptDone | None = None,
) -> Phase1Run:
    """Run attempts ``0..n-1`` of run ``seed`` with at most ``concurrency`` in flight.

    Every attempt sees the same ``known_fingerprints``; repeats within the run are
    then failed at ``dedup`` in index order, so the outcome does not depend on
    which attempt finished first. With ``recombine_users``, each user with two or
    more accepted blueprints gets one recombined task (of up to three of them).

    ``client_for(index)`` gives the client of attempt (or recombination) ``index``,
    e.g. one per item for per-item usage accounting (default: ``client`` for all);
    ``on_attempt`` sees each finished attempt at once (incremental writes).
    """
    config = config or Phase1Config()
    templates = PromptTemplates(config.templates_dir)
    stages = tuple(dict.fromkeys((PARSE_STAGE, *config.stages)))
    run = Phase1Run(domain=env.domain.name, seed=seed, stages=stages)
    gate = asyncio.Semaphore(max(1, concurrency))
    done = 0
    client_of = client_for or (lambda _index: client)

    async def one(index: int) -> AttemptResult | None:
        nonlocal done
        spec = AttemptSpec(domain=env.domain.name, seed=seed, index=index)
        async with gate:
            try:
                result: AttemptResult | None = await run_attempt(
                    spec,
                    env=env,
                    client=client_of(index),
                    config=config,
                    known_fingerprints=known_fingerprints,
                    templates=templates,
                )
            except ProviderError as exc:
                run.errors[index] = f"{type(exc).__name__}: {exc}"
                result = None
                if on_attempt is not None:
                    on_attempt(index, None, exc)
            else:
                if on_attempt is not None:
                    on_attempt(index, result, None)
        done += 1
        if progress is not None:
            progress(done, n, result)
        return result

    finished = await asyncio.gather(*(one(i) for i in range(n)))
    seen: dict[str, int] = {}
    for result in finished:
        if result is None:
            continue
        if result.accepted and result.blueprint is not None:
            fp = result.blueprint.fingerprint()
            if fp in seen:
                why = f"repeats attempt {seen[fp]} of this run (fingerprint {fp})"
                result = mark_duplicate(result, why)
            else:
                seen[fp] = result.spec.index
        run.results.append(result)
    if recombine_users:
        groups = group_by_user(run.accepted)
        known = _Either(set(seen), known_fingerprints)
        for g, parts in enumerate(p for p in groups.values() if len(p) >= 2):
            merged = await recombine(
                parts[:3],
                env=env,
                client=client_of(n + g),
                config=config,
                seed=seed,
                index=n + g,
                known_fingerprints=known,
                templates=templates,
            )
            if merged.accepted and merged.blueprint is not None:
                known.mine.add(merged.blueprint.fingerprint())
            run.recombined.append(merged)
            if on_attempt is not None:
                on_attempt(n + g, merged, None)
    return run


class _Either(Container[str]):
    """Fingerprints of this run or the caller's."""

    def __init__(self, mine: set[str], theirs: Container[str]) -> None:
        self.mine, self.theirs = mine, theirs

    def __contains__(self, item: object) -> bool:
        return item in self.mine or item in self.theirs


def _jsonable(result: AttemptResult) -> dict[str, Any]:
    data = result.model_dump(mode="json", exclude_none=True)
    data["accepted"] = result.accepted
    data["failed_stage"] = result.failed_stage
    return data


def write_run(run: Phase1Run, out: Path) -> dict[str, int]:
    """Write accepted blueprints as YAML files (``<domain>-<fingerprint>.yaml``, the id
    set to the same) and every rejected attempt, with all its rounds and reports, as a
    line of ``rejected.jsonl``. ``apigen blueprints validate OUT`` accepts the directory."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    with (out / "rejected.jsonl").open("w", encoding="utf-8") as rejected:
        for result in run.results + run.recombined:
            if result.accepted and result.blueprint is not None:
                bp_id = blueprint_key(result.blueprint)
                dump_blueprint(
                    result.blueprint.model_copy(update={"id": bp_id}), out / f"{bp_id}.yaml"
                )
                written += 1
            else:
                rejected.write(json.dumps(_jsonable(result), ensure_ascii=False) + "\n")
        for index, error in sorted(run.errors.items()):
            spec = AttemptSpec(domain=run.domain, seed=run.seed, index=index)
            line = {"spec": spec.model_dump(), "accepted": False, "error": error}
            rejected.write(json.dumps(line) + "\n")
    return {
        "accepted": written,
        "rejected": len(run.results) + len(run.recombined) - written + len(run.errors),
    }
