"""Up to T trials of one blueprint, with duplicate accepted trajectories set aside."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from apigen.env import Environment
from apigen.rollout._client import ModelClient, RoleUsage, derive_seed
from apigen.rollout._config import RolloutConfig
from apigen.rollout._episode import blueprint_ref, run_episode
from apigen.rollout._truth import GroundTruth, ground_truth
from apigen.types import Blueprint, Trajectory, Usage, Verdict, canonical_json

__all__ = ["TrialsResult", "dedup_key", "episode_seed", "run_trials"]


def episode_seed(seed: int, blueprint: Blueprint, trial: int) -> int:
    """The seed of one episode, determined by the run seed, the blueprint and the trial."""
    return derive_seed(seed, blueprint_ref(blueprint), trial)


def dedup_key(trajectory: Trajectory) -> str:
    """Identity of a conversation for de-duplication: the roles, texts and tool calls
    (names and arguments) of its messages; provider call ids and reasoning are ignored,
    so two trajectories with the same tool-call sequence and the same messages match."""
    shape = [
        [m.role, m.content, m.name, [[c.name, c.arguments] for c in m.tool_calls]]
        for m in trajectory.messages
    ]
    return hashlib.sha256(canonical_json(shape).encode()).hexdigest()


@dataclass(frozen=True)
class TrialsResult:
    """Every episode of one blueprint and what it cost."""

    blueprint_id: str
    trajectories: tuple[Trajectory, ...]
    """All episodes in trial order, accepted or not (duplicates carry a failed ``dedup``)."""
    usage: dict[str, Usage] = field(default_factory=dict)
    """Usage per role summed over the episodes."""

    @property
    def accepted(self) -> tuple[Trajectory, ...]:
        """Accepted trajectories, duplicates excluded."""
        return tuple(t for t in self.trajectories if t.accepted)

    @property
    def total_tokens(self) -> int:
        return sum(u.total_tokens for u in self.usage.values())


async def run_trials(
    blueprint: Blueprint,
    *,
    env: Environment,
    client: ModelClient,
    config: RolloutConfig,
    seed: int = 0,
    truth: GroundTruth | None = None,
) -> TrialsResult:
    """Run up to ``config.trials`` episodes of ``blueprint``, one after the other.

    Trials stop at the first acceptance only with ``config.stop_after_accept``. An
    accepted trajectory repeating an earlier accepted one (:func:`dedup_key`) is
    kept as data but marked rejected by a ``dedup`` verdict naming the original.
    """
    truth = truth if truth is not None else ground_truth(env, blueprint)
    book = RoleUsage()
    seen: dict[str, str] = {}
    out: list[Trajectory] = []
    for trial in range(config.trials):
        traj = await run_episode(
            blueprint,
            trial,
            env=env,
            client=client,
            config=config,
            seed=episode_seed(seed, blueprint, trial),
            truth=truth,
        )
        book.merge(traj.usage)
        if traj.accepted:
            key = dedup_key(traj)
            if key in seen:
                dup = Verdict(verifier="dedup", passed=False, reasons=(f"same as {seen[key]}",))
                verdicts = (*traj.verdicts, dup)
                traj = traj.model_copy(update={"verdicts": verdicts, "accepted": False})
            else:
                seen[key] = traj.id or f"trial {trial}"
        out.append(traj)
        if config.stop_after_accept and traj.accepted:
            break
    return TrialsResult(blueprint_ref(blueprint), tuple(out), book.snapshot())
