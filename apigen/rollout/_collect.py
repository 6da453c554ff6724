"""Phase 2 over many blueprints: bounded concurrency, progress, a summary."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from apigen.env import load_environment
from apigen.errors import UnknownNameError, UserError
from apigen.rollout._accept import FINISHED
from apigen.rollout._client import ModelClient, UsageBook
from apigen.rollout._config import RolloutConfig
from apigen.rollout._trials import TrialsResult, run_trials
from apigen.types import Blueprint, Trajectory, Usage

__all__ = ["CollectResult", "collect", "rejection_reason"]


def rejection_reason(trajectory: Trajectory) -> str | None:
    """Why a trajectory was rejected, in one short key (``None`` when accepted):
    its ending when the human did not close the conversation (``max_turns``,
    ``early_reject:policy``, ``provider_error:timeout``…), else the first failed
    verdict (``state``, ``outputs``, ``policy``, ``committee``, ``dedup``)."""
    if trajectory.accepted:
        return None
    if trajectory.ending not in FINISHED:
        return trajectory.ending
    failed = next((v for v in trajectory.verdicts if not v.passed), None)
    return failed.verifier if failed is not None else "unknown"


@dataclass(frozen=True)
class CollectResult:
    """Every blueprint's trials, in input order, and the totals."""

    results: tuple[TrialsResult, ...]

    @property
    def trajectories(self) -> list[Trajectory]:
        return [t for r in self.results for t in r.trajectories]

    @property
    def episodes(self) -> int:
        return sum(len(r.trajectories) for r in self.results)

    @property
    def accepted(self) -> int:
        return sum(len(r.accepted) for r in self.results)

    @property
    def accepted_share(self) -> float:
        """Accepted (distinct) trajectories per episode run."""
        return self.accepted / self.episodes if self.episodes else 0.0

    @property
    def blueprints_accepted(self) -> int:
        """Blueprints with at least one accepted trajectory."""
        return sum(bool(r.accepted) for r in self.results)

    @property
    def usage(self) -> dict[str, Usage]:
        book = UsageBook()
        for r in self.results:
            book.merge(r.usage)
        return book.snapshot()

    def top_reasons(self, n: int = 5) -> list[tuple[str, int]]:
        """The ``n`` most frequent rejection reasons with their counts."""
        counts = Counter(
            reason for t in self.trajectories if (reason := rejection_reason(t)) is not None
        )
        return counts.most_common(n)

    def summary(self) -> dict[str, object]:
        """The numbers ``apigen trajectories collect`` prints."""
        tokens = sum(u.total_tokens for u in self.usage.values())
        costs = [u.cost_usd for u in self.usage.values() if u.cost_usd is not None]
        return {
            "blueprints": len(self.results),
            "blueprints_accepted": self.blueprints_accepted,
            "episodes": self.episodes,
            "accepted": self.accepted,
            "accepted_share": round(self.accepted_share, 4),
            "top_rejection_reasons": dict(self.top_reasons()),
            "tokens": tokens,
            "cost_usd": round(sum(costs), 6) if costs else None,
        }


async def collect(
    blueprints: Sequence[Blueprint],
    *,
    client: ModelClient,
    config: RolloutConfig,
    seed: int = 0,
    state_seed: int = 0,
    concurrency: int = 8,
    on_result: Callable[[TrialsResult], None] | None = None,
    client_for: Callable[[int], ModelClient] | None = None,
    on_item: Callable[[int, TrialsResult], None] | None = None,
) -> CollectResult:
    """Run :func:`run_trials` for every blueprint, ``concurrency`` at a time,
    against its domain's environment (state ``state_seed``). ``on_result`` is called
    as each blueprint finishes (progress, incremental writes); ``on_item`` too, with
    the blueprint's position in ``blueprints``. ``client_for(position)`` gives each
    blueprint its own client (per-item usage accounting; default ``client``). An
    unknown domain raises :class:`UserError` before anything runs."""
    envs = {}
    for bp in blueprints:
        if bp.domain not in envs:
            try:
                envs[bp.domain] = load_environment(bp.domain, seed=state_seed)
            except UnknownNameError as exc:
                raise UserError(f"blueprint {bp.id or '?'}: {exc}") from None
    gate = asyncio.Semaphore(concurrency)
    client_of = client_for or (lambda _position: client)

    async def one(position: int, bp: Blueprint) -> TrialsResult:
        async with gate:
            result = await run_trials(
                bp, env=envs[bp.domain], client=client_of(position), config=config, seed=seed
            )
        if on_item is not None:
            on_item(position, result)
        if on_result is not None:
            on_result(result)
        return result

    results = await asyncio.gather(*(one(i, bp) for i, bp in enumerate(blueprints)))
    return CollectResult(tuple(results))
