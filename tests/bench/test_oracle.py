"""Early rejection against the oracle of ``apigen bench rollout`` (issue 12, item 8).

Each episode is played twice with the same seed by sim players (sim numbers describe
the sim): early rejection on, then off. Early rejection must stop only episodes the
played-out twin rejects, and at the oracle's fatal step — the first message after
which no continuation can be accepted (``apigen.bench._oracle``).
"""

from __future__ import annotations

import asyncio

import pytest

from apigen.bench._oracle import fatal_step
from apigen.blueprints import curated_dir, load_blueprint
from apigen.env import Environment, load_environment
from apigen.rollout import RolloutConfig, ground_truth, run_trials
from apigen.types import Trajectory
from tests.rollout._support import sim_client

VERIFIERS = ("state", "outputs", "policy")


@pytest.fixture(scope="module")
def envs() -> dict[str, Environment]:
    return {d: load_environment(d, seed=0) for d in ("retail", "airline")}


def _twins(env: Environment, name: str, agent: str, **limits: int) -> tuple[Trajectory, Trajectory]:
    """The episode with early rejection on and off (same blueprint, seed, players)."""
    blueprint = load_blueprint(curated_dir() / env.domain.name / f"{name}.yaml")
    out = []
    for early in (True, False):
        config = RolloutConfig(trials=1, verifiers=VERIFIERS, early_rejection=early, **limits)
        play = run_trials(blueprint, env=env, client=sim_client(agent=agent), config=config)
        out.append(asyncio.run(play).trajectories[0])
    return out[0], out[1]


def _fatal(env: Environment, name: str, played: Trajectory, **limits: int) -> object:
    blueprint = load_blueprint(curated_dir() / env.domain.name / f"{name}.yaml")
    config = RolloutConfig(verifiers=VERIFIERS, **limits)
    return fatal_step(played, blueprint, env, ground_truth(env, blueprint), config)


def _stop(traj: Trajectory) -> int:
    return max(i for i, m in enumerate(traj.messages) if m.role == "assistant")


@pytest.mark.parametrize(
    ("domain", "name"),
    [
        ("airline", "book_1"),
        ("airline", "change_flights_1"),
        ("retail", "order_address_and_payment"),
    ],
)
def test_a_wrong_write_no_tool_can_undo_stops_at_the_write(
    envs: dict[str, Environment], domain: str, name: str
) -> None:
    """A booking with a wrong route, a flight change or payment switch with a wrong
    argument (a payment history only grows): stopped right after the write."""
    on, off = _twins(envs[domain], name, "sim/agent?wrong_argument=1")
    assert on.ending == "early_reject:irreversible" and not off.accepted
    fatal = _fatal(envs[domain], name, off)
    assert fatal is not None and fatal.cause == "irreversible"  # type: ignore[attr-defined]
    assert fatal.index == _stop(on)  # type: ignore[attr-defined]


def test_a_wrong_write_a_tool_can_undo_is_played_out(envs: dict[str, Environment]) -> None:
    """A wrong address can be written again: nothing is fatal before the end, and
    early rejection lets the episode run (the oracle finds the restoring call)."""
    on, off = _twins(envs["retail"], "move_home", "sim/agent?wrong_argument=1")
    assert on.ending == "stop" and on.messages == off.messages and not off.accepted
    fatal = _fatal(envs["retail"], "move_home", off)
    assert fatal is not None and fatal.cause == "end"  # type: ignore[attr-defined]
    assert fatal.index == len(off.messages) - 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "finishes"),
    [("cancel_by_email", False), ("move_home", False), ("transfer_return_in_transit", True)],
)
def test_no_turn_left_to_finish_stops_before_the_last_human_message(
    envs: dict[str, Environment], name: str, finishes: bool
) -> None:
    """With one human message left and the state unmet, the episode cannot be
    accepted (that message either ends it or is followed by ``max_turns``); one that
    finished in time is left alone."""
    on, off = _twins(envs["retail"], name, "sim/agent", max_turns=3)
    assert off.accepted is finishes
    if finishes:
        assert on.accepted and on.messages == off.messages
        return
    assert on.ending == "early_reject:budget"
    assert any(v.verifier == "early_reject" for v in on.verdicts)
    fatal = _fatal(envs["retail"], name, off, max_turns=3)
    assert fatal is not None and fatal.cause == "budget"  # type: ignore[attr-defined]
    assert fatal.index == _stop(on)  # type: ignore[attr-defined]


def test_reachable_knows_append_only_histories_and_booking_fields(
    envs: dict[str, Environment],
) -> None:
    airline, retail = envs["airline"].domain, envs["retail"].domain
    booked = {"status": "active", "origin": "PHX", "destination": "JFK", "flights": []}
    booked |= {"payment_history": [{"amount": 10, "payment_id": "c1"}]}
    assert not airline.reachable("reservations", {**booked, "destination": "PHX"}, booked)
    paid_twice = [*booked["payment_history"], {"amount": 5, "payment_id": "c2"}]
    grown = {**booked, "payment_history": paid_twice, "total_baggages": 1}
    assert airline.reachable("reservations", booked, grown)  # bags still to add
    assert not airline.reachable("reservations", grown, {**booked, "total_baggages": 1})
    order = {"status": "pending", "payment_history": [{"amount": 3, "payment_method_id": "a"}]}
    other = {**order, "payment_history": [{"amount": 3, "payment_method_id": "b"}]}
    assert not retail.reachable("orders", other, order)
    assert retail.reachable("orders", {**order, "address": "x"}, order)
