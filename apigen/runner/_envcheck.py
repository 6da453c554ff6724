"""``apigen envs check``: a domain's conformance plus a smoke play with the sim players."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from apigen.env import CONFORMANCE_CHECKS, ConformanceError, get_domain, load_environment
from apigen.env._conformance import repeated_writes

__all__ = ["EnvironmentCheck", "check_environment"]


@dataclass
class EnvironmentCheck:
    """What :func:`check_environment` found. ``errors`` make ``apigen envs check`` exit
    non-zero; ``warnings`` are worth a look (sim players: they describe the sim)."""

    domain: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conformance: dict[str, str] = field(default_factory=dict)
    """Check name -> ``"ok"`` or its failure."""
    numbers: dict[str, int] = field(default_factory=dict)
    """Tasks sampled, blueprints accepted, trajectories played and accepted, graph edges."""

    @property
    def passed(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "passed": self.passed,
            "errors": self.errors,
            "warnings": self.warnings,
            "conformance": self.conformance,
            "numbers": self.numbers,
        }


def _conformance(report: EnvironmentCheck) -> None:
    from apigen.blueprints import check_curated

    domain = get_domain(report.domain)
    for name, check in CONFORMANCE_CHECKS.items():
        try:
            check(domain)
            report.conformance[name] = "ok"
        except ConformanceError as exc:
            report.conformance[name] = str(exc)
            report.errors.append(f"conformance {name}: {exc}")
    curated = check_curated(report.domain)
    report.numbers["curated_blueprints"] = len(curated)
    for r in curated:
        if not r.passed and r.failure is not None:
            report.errors.append(f"curated blueprint {r.path}: {'; '.join(r.failure.reasons)}")


def _sampling(report: EnvironmentCheck, tasks: int, seed: int) -> None:
    """Sample contexts as phase 1 does (focused policy always on) and note what none used."""
    from apigen.blueprints import AttemptSpec, Phase1Config, sample_context
    from apigen.graph import tool_graph

    domain = get_domain(report.domain)
    edges = tool_graph(domain).number_of_edges()
    report.numbers["graph_edges"] = edges
    if edges == 0 and len(domain.tools) > 1:
        report.errors.append(
            "the tool graph has no edges: annotate identifiers with Entity(kind) in the "
            "tools' parameters and return types (docs/environments.md)"
        )
    env = load_environment(report.domain)
    config = Phase1Config(focused_policy_rate=1.0)
    used: set[str] = set()
    selected: set[str] = set()
    sampled = 0
    repeats: list[str] = []
    for i in range(tasks * 4):
        try:
            ctx = sample_context(AttemptSpec(domain=report.domain, seed=seed, index=i), env, config)
        except ValueError as exc:
            report.errors.append(f"sampling: {exc}")
            return
        sampled += 1
        calls = [*ctx.sketch.auth] if ctx.sketch is not None else []
        for step in ctx.sketch.steps if ctx.sketch is not None else ():
            calls.extend([*step.reads, step.call])
        used.update(ctx.chain, (c.name for c in calls))
        selected.update(ctx.policy_headings)
        repeats.extend(repeated_writes(env, calls)[:1])
    report.numbers["contexts_sampled"] = sampled
    if repeats:
        report.errors.append(
            f"{len(repeats)} of {sampled} sampled tasks make the same write twice "
            f"(no conversation asks for it twice), e.g. {repeats[0]}"
        )
    unused = sorted(t.name for t in domain.tools if t.kind == "read" and t.name not in used)
    if unused:
        report.warnings.append(f"reads never used in {sampled} sampled tasks: {', '.join(unused)}")
    headings = _policy_headings(domain.policy)
    never = [h for h in headings if h not in selected]
    if never:
        report.warnings.append(
            f"policy sections never selected in {sampled} sampled tasks: {', '.join(never)} "
            "(a section is selected when it names a tool of the task or a write's verb)"
        )


def _policy_headings(policy: str) -> list[str]:
    """The level-2-or-deeper markdown headings: the sections phase 1 selects from."""
    headings = []
    for line in policy.splitlines():
        marks = len(line) - len(line.lstrip("#"))
        if marks >= 2 and line[marks:].startswith(" "):
            headings.append(line[marks:].strip())
    return headings


def _smoke_play(report: EnvironmentCheck, tasks: int, trials: int, seed: int) -> None:
    """Both phases with the sim players on ``tasks`` attempts, in a scratch database."""
    from apigen.rollout import rejection_reason
    from apigen.runner._run import run
    from apigen.settings import Settings
    from apigen.store import Store

    with tempfile.TemporaryDirectory(prefix="apigen-envs-check-") as tmp:
        url = f"sqlite:///{tmp}/check.db"
        settings = Settings.model_validate(
            {"domain": report.domain, "n": tasks, "seed": seed, "backend": "local",
             "database_url": url, "rollout": {"trials": trials}}
        )  # fmt: skip
        summary = run(settings, progress=False)
        with Store.open(url) as store:
            items = [store.read_item(summary.run_id, i) for i in range(tasks)]
    # a duplicate of an earlier task keeps its trials with a failed ``dedup`` verdict
    played = [
        it
        for it in items
        if it.trajectories and not any(rejection_reason(t) == "dedup" for t in it.trajectories)
    ]
    accepted = sum(t.accepted for it in items for t in it.trajectories)
    report.numbers.update(
        tasks=tasks,
        blueprints_accepted=summary.accepted_blueprints,
        trajectories=sum(len(it.trajectories) for it in items),
        trajectories_accepted=accepted,
    )
    for it in items:
        if it.status == "failed":
            report.errors.append(f"task {it.item_index} failed: {it.error}")
    for it in played:
        if not any(t.accepted for t in it.trajectories):
            reasons = Counter(rejection_reason(t) or "?" for t in it.trajectories)
            bp = it.trajectories[0].blueprint_id
            why = ", ".join(f"{r} x{n}" for r, n in reasons.most_common())
            report.errors.append(f"task {bp}: no trial of {len(it.trajectories)} passed ({why})")
    if not played:
        rejected = ", ".join(f"{k} x{n}" for k, n in summary.rejections.items()) or "none"
        report.errors.append(f"no sampled task reached phase 2 (rejections: {rejected})")


def check_environment(
    name: str, *, tasks: int = 8, trials: int = 2, seed: int = 0, play: bool = True
) -> EnvironmentCheck:
    """Check domain ``name``: every conformance check and curated blueprint; the tool
    graph (no edges is an error); ``tasks`` x 4 sampled contexts (the same write twice
    in one task is an error; reads never used and policy sections never selected are
    warnings); then, with ``play``, ``tasks`` attempts through both phases with the
    ``sim/…`` players, ``trials`` episodes each, in a scratch SQLite database: a task
    no trial passed is an error naming the rejection reasons. An unknown or broken
    domain raises (:class:`apigen.errors.UserError`)."""
    report = EnvironmentCheck(domain=name)
    get_domain(name)
    _conformance(report)
    _sampling(report, tasks, seed)
    if play:
        _smoke_play(report, tasks, trials, seed)
    return report
