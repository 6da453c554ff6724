"""Tokens per accepted trajectory with and without early rejection (same blueprints, seeds)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apigen.types import Blueprint, Trajectory

__all__ = ["bench_rollout"]


def _load(domain: str, paths: Sequence[str | Path] | None) -> list[Blueprint]:
    from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint

    sources = list(paths) if paths else [curated_dir() / domain]
    return [load_blueprint(p) for p in iter_blueprint_files(sources)]


async def _run(
    blueprints: list[Blueprint], *, early: bool, agent: str, trials: int, seed: int
) -> tuple[list[Trajectory], dict[str, Any]]:
    from apigen.llm import LLMClient, ModelsConfig
    from apigen.rollout import RolloutConfig, collect

    config = RolloutConfig(committee=False, trials=trials, early_rejection=early)
    client = LLMClient(ModelsConfig(agent={"models": [agent]}))
    started = time.perf_counter()
    result = await collect(blueprints, client=client, config=config, seed=seed, concurrency=16)
    elapsed = time.perf_counter() - started
    tokens = sum(u.total_tokens for u in result.usage.values())
    trajectories = result.trajectories
    stats = {
        "episodes": result.episodes,
        "accepted": result.accepted,
        "early_rejected": sum(t.ending.startswith("early_reject") for t in trajectories),
        "tokens": tokens,
        "tokens_per_accepted": round(tokens / result.accepted, 1) if result.accepted else None,
        "wall_s": round(elapsed, 2),
    }
    stats["agent_calls"] = result.usage["agent"].calls if "agent" in result.usage else 0
    return trajectories, stats


def bench_rollout(
    domain: str = "retail",
    *,
    blueprints: Sequence[str | Path] | None = None,
    error_rate: float = 0.3,
    trials: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Phase 2 run twice over the same blueprints and seeds with ``sim/agent`` at
    ``error_rate``: early rejection on, then off. Reports tokens spent per accepted
    trajectory in each mode, the saving, and the soundness check: every episode early
    rejection stopped must end rejected when played out (``unsound`` counts those that
    did not), and both modes must accept the same trajectories."""
    loaded = _load(domain, blueprints)
    agent = f"sim/agent?error_rate={error_rate}"

    async def both() -> tuple[Any, Any]:
        await _run(loaded[:1], early=False, agent=agent, trials=1, seed=seed)  # warm-up
        on = await _run(loaded, early=True, agent=agent, trials=trials, seed=seed)
        off = await _run(loaded, early=False, agent=agent, trials=trials, seed=seed)
        return on, off

    (on_traj, on), (off_traj, off) = asyncio.run(both())
    played = {(t.blueprint_id, t.trial): t for t in off_traj}
    stopped = [t for t in on_traj if t.ending.startswith("early_reject")]
    unsound = [t for t in stopped if played[(t.blueprint_id, t.trial)].accepted]
    same_accepted = {(t.blueprint_id, t.trial) for t in on_traj if t.accepted} == {
        k for k, t in played.items() if t.accepted
    }
    saving = None
    if on["tokens_per_accepted"] and off["tokens_per_accepted"]:
        saving = round(1 - on["tokens_per_accepted"] / off["tokens_per_accepted"], 4)
    return {
        "domain": domain,
        "blueprints": len(loaded),
        "trials": trials,
        "agent": agent,
        "seed": seed,
        "early_rejection_on": on,
        "early_rejection_off": off,
        "tokens_per_accepted_saving": saving,
        "unsound": len(unsound),
        "same_accepted": same_accepted,
    }
