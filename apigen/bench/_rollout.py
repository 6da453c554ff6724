"""Tokens per accepted trajectory with and without early rejection (same blueprints, seeds)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apigen.types import Blueprint, Message, Trajectory

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
    oracle_tokens = sum(_oracle_tokens(t, loaded) for t in off_traj)
    oracle_saving = None
    if off["accepted"] and off["tokens"]:
        oracle_saving = round(1 - oracle_tokens / off["tokens"], 4)
    ratio = round(saving / oracle_saving, 3) if saving is not None and oracle_saving else None
    return {
        "domain": domain,
        "blueprints": len(loaded),
        "trials": trials,
        "agent": agent,
        "seed": seed,
        "early_rejection_on": on,
        "early_rejection_off": off,
        "tokens_per_accepted_saving": saving,
        "saving": saving,
        "oracle_saving": oracle_saving,
        "ratio": ratio,
        "goal_ratio_min": 0.5,
        "unsound": len(unsound),
        "same_accepted": same_accepted,
    }


def _fatal_step(traj: Trajectory, blueprint: Blueprint) -> int | None:
    """Index of the message after which ``traj`` (played out, rejected) could no longer
    be accepted, with hindsight: its first tool call the policy checks flag, or its
    first write leaving a record at a wrong value it keeps to the end. ``None`` when
    neither happened (rejected for outputs, the ending or the judges: nothing to stop)."""
    from apigen.env import load_environment
    from apigen.rollout import ground_truth

    env = load_environment(blueprint.domain, seed=0)
    truth = ground_truth(env, blueprint).diff
    final = traj.final_diff
    box = env.sandbox()
    seen: list[Message] = []
    for index, msg in enumerate(traj.messages):
        if msg.role == "tool":
            continue
        seen.append(msg)
        for call in msg.tool_calls if msg.role == "assistant" else ():
            if box.policy_violations(call, seen):
                return index
            if box.call(call).changed and _doomed(box.diff(), final, truth):
                return index
    return None


def _doomed(now: Any, final: Any, truth: Any) -> bool:
    """A record is now at its final value and that value is not its target."""
    for table, rows in now.items():
        for key, row in rows.items():
            want = truth.get(table, {}).get(key)
            target = row["before"] if want is None else want["after"]
            end = final.get(table, {}).get(key)
            if row["after"] != target and end is not None and end["after"] == row["after"]:
                return True
    return False


def _oracle_tokens(traj: Trajectory, blueprints: list[Blueprint]) -> float:
    """Tokens the oracle spends on ``traj``: all of an accepted one; of a rejected one,
    the share up to its fatal step. Each model turn (a user or assistant message) is
    weighted by the conversation it was asked with (characters so far: prompts grow
    with the history), so the share estimates tokens, not turns."""
    tokens = sum(u.total_tokens for u in traj.usage.values())
    if traj.accepted:
        return tokens
    blueprint = next(b for b in blueprints if (b.id or b.fingerprint()) == traj.blueprint_id)
    step = _fatal_step(traj, blueprint)
    if step is None:
        return tokens
    weights, size = [], 0
    for index, msg in enumerate(traj.messages):
        size += len(msg.content or "") + sum(len(str(c.arguments)) for c in msg.tool_calls)
        if msg.role in ("user", "assistant"):
            weights.append((index, size))
    total = sum(w for _, w in weights) or 1
    return tokens * sum(w for i, w in weights if i <= step) / total
