"""Tokens per accepted trajectory with and without early rejection (same blueprints, seeds)."""

from __future__ import annotations

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


def _run(
    blueprints: list[Blueprint], *, early: bool, agent: str, trials: int, seed: int
) -> tuple[list[Trajectory], dict[str, Any]]:
    import tempfile

    from apigen.rollout import read_trajectories
    from apigen.runner import collect
    from apigen.settings import Settings

    settings = Settings.model_validate(
        {
            "seed": seed,
            "concurrency": 16,
            "backend": "local",
            "models": {"agent": {"models": [agent]}},
            "rollout": {
                "verifiers": ["state", "outputs", "policy"],
                "trials": trials,
                "early_rejection": early,
            },
        }
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "trajectories.jsonl"
        summary = collect(settings, blueprints, out=out, progress=False)
        elapsed = time.perf_counter() - started
        trajectories = list(read_trajectories(out))
    accepted = summary.accepted_trajectories
    stats = {
        "episodes": summary.episodes,
        "accepted": accepted,
        "early_rejected": sum(t.ending.startswith("early_reject") for t in trajectories),
        "tokens": summary.tokens,
        "tokens_per_accepted": round(summary.tokens / accepted, 1) if accepted else None,
        "wall_s": round(elapsed, 2),
    }
    stats["agent_calls"] = sum(t.usage["agent"].calls for t in trajectories if "agent" in t.usage)
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

    _run(loaded[:1], early=False, agent=agent, trials=1, seed=seed)  # warm-up
    on_traj, on = _run(loaded, early=True, agent=agent, trials=trials, seed=seed)
    off_traj, off = _run(loaded, early=False, agent=agent, trials=trials, seed=seed)
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
