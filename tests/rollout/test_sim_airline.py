"""Every curated airline blueprint, played by a well-behaved sim agent, is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
from apigen.env import load_environment
from apigen.llm import LLMClient
from apigen.rollout import RolloutConfig, run_trials
from tests.rollout._support import assert_valid_shape, sim_client

FILES = list(iter_blueprint_files([curated_dir() / "airline"]))


@pytest.fixture(scope="module")
def client() -> LLMClient:
    return sim_client()


def test_curated_airline_blueprints_cover_every_write() -> None:
    env = load_environment("airline", seed=0)
    writes = {t.name for t in env.domain.tools if t.kind == "write"}
    used = {a.name for p in FILES for a in load_blueprint(p).actions}
    assert len(FILES) >= 25
    assert writes <= used


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
async def test_curated_airline_blueprint_is_accepted(path: Path, client: LLMClient) -> None:
    bp = load_blueprint(path)
    env = load_environment("airline", seed=0)
    config = RolloutConfig(trials=1)
    result = await run_trials(bp, env=env, client=client, config=config, seed=0)
    traj = result.trajectories[0]
    assert_valid_shape(traj)
    assert traj.accepted, [(v.verifier, v.reasons) for v in traj.verdicts if not v.passed]


async def test_early_rejection_on_airline_stops_only_doomed_episodes(client: LLMClient) -> None:
    """``reachable`` is sound on airline: an episode stopped early would not have been
    accepted when played out, and some stops are irreversible writes."""
    env = load_environment("airline", seed=0)
    agent = "sim/agent?error_rate=0.3&wrong_argument=0.6"
    stopped, kinds = 0, set()
    for path in [p for p in FILES if "cancel" in p.stem]:
        bp = load_blueprint(path)
        runs = []
        for early in (True, False):
            config = RolloutConfig(trials=3, early_rejection=early)
            played = sim_client(agent=agent)
            runs.append(await run_trials(bp, env=env, client=played, config=config, seed=3))
        for on, off in zip(runs[0].trajectories, runs[1].trajectories, strict=True):
            if on.ending.startswith("early_reject:"):
                stopped += 1
                kinds.add(on.ending)
                assert not off.accepted, (path.stem, on.ending)
            else:
                assert (on.ending, on.accepted) == (off.ending, off.accepted)
    assert stopped >= 3
    assert "early_reject:irreversible" in kinds
