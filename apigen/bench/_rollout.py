"""Tokens per accepted trajectory with and without early rejection (same blueprints,
seeds), against the hindsight oracle of :mod:`apigen.bench._oracle`."""

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


def _settings(*, early: bool, agent: str, trials: int, seed: int) -> Any:
    from apigen.settings import Settings

    return Settings.model_validate(
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


def _run(
    blueprints: list[Blueprint], *, early: bool, agent: str, trials: int, seed: int
) -> tuple[list[Trajectory], dict[str, Any]]:
    import tempfile

    from apigen.rollout import read_trajectories
    from apigen.runner import collect

    settings = _settings(early=early, agent=agent, trials=trials, seed=seed)
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
    ``error_rate``: early rejection on, then off (sim players: the numbers describe
    the sim). Reports tokens spent per accepted trajectory in each mode and
    ``saving`` (1 − on/off); the soundness check: every episode early rejection
    stopped must end rejected when played out (``unsound`` counts those that did
    not), and both modes must accept the same trajectories (``same_accepted``).

    ``oracle_saving`` is what stopping every played-out rejected episode at its
    first fatal step would save — the first message after which *no* continuation
    can be accepted (:mod:`apigen.bench._oracle`: a sound rule's violation, a record
    no sequence of write calls restores, no turn left to finish; an output never
    told or a skipped write is recoverable until the conversation ends) — and
    ``ratio`` = saving / oracle_saving (goal ≥ 0.5). ``oracle_causes`` breaks it
    down by cause: rejected episodes, the saving they contribute, and how many early
    rejection stopped at exactly that step. A step's share of an episode's tokens
    is estimated from the conversation's size at each model turn, which leaves out
    the fixed prompt parts (system prompt, tool schemas) and so flatters the oracle
    a little. Stopping every rejected episode before its first turn (perfect
    foresight, about the share of tokens spent on rejected episodes) is no bound
    a rule judging the conversation so far can reach, and is not the oracle."""
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
    oracle = _oracle(
        off_traj, on_traj, loaded, _settings(early=False, agent=agent, trials=trials, seed=seed)
    )
    oracle_saving = None
    if off["accepted"] and off["tokens"]:
        oracle_saving = round(1 - oracle["tokens"] / off["tokens"], 4)
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
        "oracle_causes": oracle["causes"],
        "unsound": len(unsound),
        "same_accepted": same_accepted,
    }


def _oracle(
    trajectories: list[Trajectory],
    stopped: list[Trajectory],
    blueprints: list[Blueprint],
    settings: Any,
) -> dict[str, Any]:
    """Tokens the oracle spends over ``trajectories`` (played out, early rejection off)
    and the breakdown by cause of fatal step (:mod:`apigen.bench._oracle`): rejected
    episodes of each cause, the share of all tokens stopping there saves, and how many
    of them early rejection (``stopped``: the same episodes played with it on) stopped
    at that very step (``stopped_at_fatal``; the same seeds give the same messages up
    to the stop)."""
    from apigen.bench._oracle import CAUSES, fatal_step
    from apigen.env import load_environment
    from apigen.rollout import ground_truth

    by_ref = {(b.id or b.fingerprint()): b for b in blueprints}
    total = sum(sum(u.total_tokens for u in t.usage.values()) for t in trajectories) or 1
    spent = 0.0
    early = {(t.blueprint_id, t.trial): t for t in stopped}
    causes: dict[str, dict[str, Any]] = {
        c: {"episodes": 0, "saving": 0.0, "stopped_at_fatal": 0} for c in (*CAUSES, "none")
    }
    envs: dict[str, Any] = {}
    truths: dict[str, Any] = {}  # per blueprint: every trial shares it
    for traj in trajectories:
        tokens = sum(u.total_tokens for u in traj.usage.values())
        if traj.accepted:
            spent += tokens
            continue
        blueprint = by_ref[traj.blueprint_id]
        if blueprint.domain not in envs:
            envs[blueprint.domain] = load_environment(blueprint.domain, seed=settings.state_seed)
        env = envs[blueprint.domain]
        if traj.blueprint_id not in truths:
            truths[traj.blueprint_id] = ground_truth(env, blueprint)
        truth = truths[traj.blueprint_id]
        fatal = fatal_step(traj, blueprint, env, truth, settings.rollout)
        kept = tokens if fatal is None else tokens * _share(traj.messages, fatal.index)
        spent += kept
        entry = causes["none" if fatal is None else fatal.cause]
        entry["episodes"] += 1
        entry["saving"] += (tokens - kept) / total
        if fatal is not None and _stop_index(early[(traj.blueprint_id, traj.trial)]) == fatal.index:
            entry["stopped_at_fatal"] += 1
    for entry in causes.values():
        entry["saving"] = round(entry["saving"], 4)
    return {"tokens": spent, "causes": causes}


def _stop_index(traj: Trajectory) -> int | None:
    """The assistant message an early-rejected episode stopped at (``None``: not stopped)."""
    if not traj.ending.startswith("early_reject"):
        return None
    return max(i for i, m in enumerate(traj.messages) if m.role == "assistant")


def _share(messages: Sequence[Message], step: int) -> float:
    """The share of an episode's tokens spent up to message ``step``: each model turn
    (a user or assistant message) is weighted by the conversation it was asked with
    (characters so far: prompts grow with the history), so the share estimates
    tokens, not turns."""
    weights, size = [], 0
    for index, msg in enumerate(messages):
        size += len(msg.content or "") + sum(len(str(c.arguments)) for c in msg.tool_calls)
        if msg.role in ("user", "assistant"):
            weights.append((index, size))
    total = sum(w for _, w in weights) or 1
    return sum(w for i, w in weights if i <= step) / total
