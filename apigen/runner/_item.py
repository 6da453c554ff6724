"""One work item end to end: a blueprint attempt, then its trials.

Item ``i`` of a run with seed ``s`` is fully determined by ``(s, i)``: the attempt
is :class:`apigen.blueprints.AttemptSpec` ``(domain, s, i)`` and the trials are
seeded from ``(s, i)`` too, so any item can be re-run and a run reproduced.

Deduplication is deterministic across a distributed run: an accepted blueprint
claims its fingerprint in a run-wide :class:`FingerprintRegistry`; the lowest item
index holding a fingerprint owns it. An item that finds a lower owner is marked a
duplicate and skips its trials; the driver settles the rare case where a lower
index arrives after a higher one already ran (see ``_run.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from apigen.blueprints import AttemptSpec, mark_duplicate, run_attempt
from apigen.env import Environment, load_environment
from apigen.errors import ProviderError
from apigen.llm import LLMClient
from apigen.rollout import run_trials
from apigen.settings import Settings
from apigen.store import ItemResult, RoleUsage
from apigen.types import Trajectory, Verdict

__all__ = ["FingerprintRegistry", "PipelineProcessor", "as_duplicate", "item_seed"]


def item_seed(run_seed: int, index: int) -> int:
    """The trials' seed of item ``index``: stable across processes and machines."""
    digest = hashlib.sha256(f"apigen-item:{run_seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class FingerprintRegistry:
    """Run-wide owner of each accepted blueprint fingerprint: the lowest item index.

    Runs as a Ray actor; ``claim`` returns the current owner after considering
    ``index``, so an item learns at once whether a lower one already holds it.
    """

    def __init__(self, owners: dict[str, int] | None = None) -> None:
        self._owners = dict(owners or {})

    def claim(self, fingerprint: str, index: int) -> int:
        owner = min(self._owners.get(fingerprint, index), index)
        self._owners[fingerprint] = owner
        return owner


def as_duplicate(item: ItemResult, owner: int) -> ItemResult:
    """``item`` with its accepted blueprint failed at ``dedup`` and its trajectories
    rejected: item ``owner`` (a lower index) produced the same task."""
    reason = f"same actions as item {owner}"
    blueprints = []
    for bp in item.blueprints:
        if bp.report is not None and bp.report.passed:
            stages = tuple(s for s in bp.report.stages if s.stage != "dedup")
            stage = type(stages[0])(stage="dedup", passed=False, reasons=(reason,))
            report = bp.report.model_copy(update={"stages": (*stages, stage)})
            bp = bp.model_copy(update={"report": report})
        blueprints.append(bp)
    verdict = Verdict(verifier="dedup", passed=False, reasons=(f"blueprint {reason}",))
    trajectories: list[Trajectory] = [
        t.model_copy(update={"accepted": False, "verdicts": (*t.verdicts, verdict)})
        for t in item.trajectories
    ]
    return item.model_copy(
        update={"blueprints": tuple(blueprints), "trajectories": tuple(trajectories)}
    )


@dataclass
class PipelineProcessor:
    """The :class:`apigen.runner._execute.ItemProcessor` of ``apigen run``."""

    config: Settings
    run_id: str
    registry: Any = None
    """Ray actor handle of a :class:`FingerprintRegistry` (``None``: no run-wide dedup)."""

    def setup(self, worker_index: int, limiter: Any) -> None:
        self._env: Environment = load_environment(self.config.domain, self.config.state_seed)
        base = LLMClient(self.config.models, limiter=limiter)
        self._limiter = base.limiter  # one limiter and cache per worker, shared by items
        self._cache = base.cache

    async def process(self, index: int) -> ItemResult:
        cfg = self.config
        client = LLMClient(cfg.models, limiter=self._limiter, cache=self._cache)
        spec = AttemptSpec(domain=cfg.domain, seed=cfg.seed, index=index)
        trajectories: tuple[Trajectory, ...] = ()
        try:
            attempt = await run_attempt(spec, env=self._env, client=client, config=cfg.phase1)
            accepted = attempt.blueprint if attempt.accepted else None
            if accepted is not None:
                owner = index
                if self.registry is not None:
                    owner = await self.registry.claim.remote(accepted.fingerprint(), index)
                if owner != index:
                    attempt = mark_duplicate(attempt, f"same actions as item {owner}")
                else:
                    blueprint = accepted.model_copy(update={"id": f"s{cfg.seed}-i{index}"})
                    attempt = attempt.model_copy(update={"blueprint": blueprint})
                    trials = await run_trials(
                        blueprint,
                        env=self._env,
                        client=client,
                        config=cfg.rollout,
                        seed=item_seed(cfg.seed, index),
                    )
                    trajectories = trials.trajectories
        except ProviderError as exc:
            return self._result(index, client, (), (), error=f"provider_error:{exc.kind}: {exc}")
        return self._result(index, client, attempt.drafts(), trajectories)

    def _result(
        self,
        index: int,
        client: LLMClient,
        blueprints: tuple[Any, ...],
        trajectories: tuple[Trajectory, ...],
        error: str | None = None,
    ) -> ItemResult:
        usage = tuple(
            RoleUsage(role=role, model=model, usage=u)
            for (role, model), u in sorted(client.take_usage().items())
        )
        return ItemResult(
            run_id=self.run_id,
            item_index=index,
            blueprints=blueprints,
            trajectories=trajectories,
            usage=usage,
            status="failed" if error else "done",
            error=error,
        )
