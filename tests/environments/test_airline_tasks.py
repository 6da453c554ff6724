"""The airline context sampler: grounded in real data, planned with the real tools."""

from __future__ import annotations

import random

import pytest

from apigen.env import Environment, replay_with_policy
from environments.airline import DOMAIN

WRITES = sorted(t.name for t in DOMAIN.tools if t.kind == "write")


def _calls(sketch):  # type: ignore[no-untyped-def]
    calls = list(sketch.auth)
    for step in sketch.steps:
        calls += [*step.reads, step.call]
    return calls


@pytest.mark.parametrize("write", WRITES)
def test_each_write_is_grounded_and_replays_cleanly(airline: Environment, write: str) -> None:
    sketch = DOMAIN.sample_task(airline.db, random.Random(1), [write])
    assert sketch is not None
    assert sketch.identity == {"user_id": sketch.user}
    assert sketch.steps[0].call.name == write
    replay = replay_with_policy(airline, _calls(sketch))
    assert not replay.errors and not replay.violations
    assert all(e.changed for e in replay.trace if e.write)
    assert not any(e.changed for e in replay.trace if not e.write)


def test_later_steps_see_earlier_effects(airline: Environment) -> None:
    rng = random.Random(4)
    for _ in range(10):
        sketch = DOMAIN.sample_task(
            airline.db, rng, ["update_reservation_baggages", "update_reservation_baggages"]
        )
        assert sketch is not None
        first, second = (s.call.arguments for s in sketch.steps)
        if first["reservation_id"] == second["reservation_id"]:
            assert second["total_baggages"] > first["total_baggages"]
        assert not replay_with_policy(airline, _calls(sketch)).violations


def test_expected_outputs_are_what_the_tools_return(airline: Environment) -> None:
    rng = random.Random(2)
    for write in ("book_reservation", "cancel_reservation", "send_certificate"):
        sketch = DOMAIN.sample_task(airline.db, rng, [write])
        assert sketch is not None
        replay = replay_with_policy(airline, _calls(sketch))
        said = " ".join(str(e.output) for e in replay.trace)
        for output in sketch.steps[0].outputs:
            number = float(output.strip("$").replace(",", ""))
            assert f"{number}" in said or f"{number:g}" in said, (write, output)


def test_impossible_sequences_are_refused(airline: Environment) -> None:
    rng = random.Random(0)
    assert (
        DOMAIN.sample_task(airline.db, rng, ["transfer_to_human_agents", "cancel_reservation"])
        is None
    )
    assert DOMAIN.sample_task(airline.db, rng, ["send_certificate", "send_certificate"]) is None
    assert DOMAIN.sample_task(airline.db, rng, ["no_such_tool"]) is None


def test_entity_annotations_give_the_tool_graph_its_edges() -> None:
    from apigen.graph import tool_graph

    graph = tool_graph(DOMAIN)
    assert graph.number_of_edges() > 50
    for producer, consumer, entity in (
        ("get_user_details", "get_reservation_details", "reservation_id"),
        ("get_user_details", "book_reservation", "payment_id"),
        ("search_direct_flight", "book_reservation", "flight_number"),
        ("search_onestop_flight", "update_reservation_flights", "flight_number"),
        ("get_reservation_details", "cancel_reservation", "reservation_id"),
        ("list_all_airports", "search_direct_flight", "airport"),
        ("get_user_details", "update_reservation_baggages", "payment_id"),
    ):
        assert entity in graph.edges[producer, consumer]["entities"], (producer, consumer)
    # every write is reachable from a read that needs no entity (the user's details)
    for write in WRITES:
        assert any(graph.has_edge(r, write) for r in ("get_user_details", "list_all_airports"))
