"""One work item end to end, for every preset of the executor.

- ``blueprints`` (phase 1 only): item ``i < n`` is attempt ``AttemptSpec(domain,
  seed, i)``; item ``n + g`` recombines group ``g`` (``phase1.recombine``).
- ``trajectories`` (phase 2 only): item ``i`` validates input blueprint ``i`` offline
  (format, execution, policy: :func:`apigen.blueprints.validate_offline`) and plays
  it only when it passes; a rejected one is recorded with its report.
- ``both``: attempt ``i``, then, when accepted and not a duplicate, its trials.

Item ``i`` is fully determined by (settings, i), so any item can be re-run and a
run reproduced. An accepted blueprint claims its fingerprint with the run's
:class:`apigen.runner.DedupArbiter`; a duplicate is marked (``dedup`` stage
failed) and skips its trials. Usage is taken per item through a usage scope on
the worker's one client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from apigen.blueprints import (
    AttemptResult,
    AttemptSpec,
    PromptTemplates,
    blueprint_key,
    recombine,
    run_attempt,
    validate_offline,
)
from apigen.env import Environment, load_environment
from apigen.errors import ProviderError
from apigen.llm import LLMClient, UsageLedger
from apigen.rollout import run_trials
from apigen.runner._dedup import DedupArbiter, as_duplicate
from apigen.settings import Settings
from apigen.store import ItemResult, RoleUsage
from apigen.types import Blueprint, ValidationReport

__all__ = ["WorkProcessor"]

Preset = Literal["blueprints", "trajectories", "both"]


def _drafts(result: AttemptResult) -> tuple[Blueprint, ...]:
    """The attempt's drafts; an accepted final one gets its stable id (:func:`blueprint_key`)."""
    drafts = result.drafts()
    if result.accepted and drafts:
        final = drafts[-1]
        drafts = (*drafts[:-1], final.model_copy(update={"id": blueprint_key(final)}))
    return drafts


@dataclass
class WorkProcessor:
    """The :class:`apigen.runner.ItemProcessor` of every preset."""

    settings: Settings
    run_id: str
    phases: Preset
    blueprints: tuple[Blueprint, ...] = ()
    """Phase-2 inputs (``trajectories``) or recombination groups' parts (flattened)."""
    groups: tuple[tuple[int, ...], ...] = ()
    """Recombination groups as positions in :attr:`blueprints` (item ``n + g``)."""
    arbiter: Any = None
    """A :class:`DedupArbiter`, or a Ray actor handle of one (``None``: no dedup)."""
    _envs: dict[str, Environment] = field(default_factory=dict, init=False, repr=False)

    def setup(self, worker_index: int, limiter: Any) -> None:
        self._client = LLMClient(self.settings.models, limiter=limiter)
        self._templates = PromptTemplates(self.settings.phase1.templates_dir)

    def _env(self, domain: str) -> Environment:
        env = self._envs.get(domain)
        if env is None:
            env = self._envs[domain] = load_environment(domain, seed=self.settings.state_seed)
        return env

    async def _owner(self, blueprint: Blueprint, index: int) -> int:
        if self.arbiter is None:
            return index
        if isinstance(self.arbiter, DedupArbiter):
            return self.arbiter.claim(blueprint.fingerprint(), index)
        try:
            return int(await self.arbiter.claim.remote(blueprint.fingerprint(), index))
        except Exception:  # the actor is gone for good (Ray restarts it when it can)
            # claim in this worker instead: the writer's arbiter settles the rest
            self.arbiter = DedupArbiter()
            return self.arbiter.claim(blueprint.fingerprint(), index)

    async def process(self, index: int) -> ItemResult:
        with self._client.usage_scope() as usage:
            try:
                item = await self._run(index)
            except ProviderError as exc:
                item = ItemResult(
                    run_id=self.run_id,
                    item_index=index,
                    status="failed",
                    error=f"provider_error:{exc.kind}: {exc}",
                )
        return item.model_copy(update={"usage": _usage(usage)})

    async def _run(self, index: int) -> ItemResult:
        s = self.settings
        base = ItemResult(run_id=self.run_id, item_index=index)
        if self.phases == "trajectories":
            bp = self.blueprints[index]
            stages, _ = validate_offline(bp, self._env(bp.domain))
            if not all(stage.passed for stage in stages):  # recorded, never played
                report = ValidationReport(stages=tuple(stages))
                rejected = bp.model_copy(update={"report": report})
                return base.model_copy(update={"blueprints": (rejected,)})
            trials = await run_trials(
                bp, env=self._env(bp.domain), client=self._client, config=s.rollout, seed=s.seed
            )
            return base.model_copy(
                update={"blueprints": (bp,), "trajectories": trials.trajectories}
            )
        env = self._env(s.domain)
        if index >= s.n:
            parts = [self.blueprints[p] for p in self.groups[index - s.n]]
            result = await recombine(
                parts,
                env=env,
                client=self._client,
                config=s.phase1,
                seed=s.seed,
                index=index,
                templates=self._templates,
            )
        else:
            spec = AttemptSpec(domain=s.domain, seed=s.seed, index=index)
            result = await run_attempt(
                spec, env=env, client=self._client, config=s.phase1, templates=self._templates
            )
        item = base.model_copy(update={"blueprints": _drafts(result)})
        accepted = result.blueprint if result.accepted else None
        if accepted is None:
            return item
        owner = await self._owner(accepted, index)
        if owner != index:
            return as_duplicate(item, owner)
        if self.phases == "both":
            final = item.blueprints[-1]
            trials = await run_trials(
                final, env=env, client=self._client, config=s.rollout, seed=s.seed
            )
            item = item.model_copy(update={"trajectories": trials.trajectories})
        return item


def _usage(ledger: UsageLedger) -> tuple[RoleUsage, ...]:
    return tuple(
        RoleUsage(role=role, model=model, usage=u)
        for (role, model), u in sorted(ledger.snapshot().items())
    )
