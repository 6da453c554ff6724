"""The airline state: seeded, sized like τ-bench's airline, internally consistent."""

from __future__ import annotations

from apigen.env import Environment
from environments.airline._common import DATES, TODAY
from environments.airline._data import build_state


def test_same_seed_same_state_other_seed_other_state() -> None:
    a, b, c = (build_state(s) for s in (3, 3, 4))
    assert a == b and a["users"] != c["users"] and a["flights"] != c["flights"]


def test_sizes_at_scale_one(airline: Environment) -> None:
    counts = airline.database.counts()
    assert counts == {
        "airports": 24,
        "flights": 300,
        "users": 500,
        "reservations": 2000,
        "transfers": 0,
    }
    entries = [e for f in airline.db.flights.values() for e in f["dates"].values()]
    assert len(entries) == 9000 and len(DATES) == 30
    assert all(
        set(e["prices"]) == set(e["available_seats"]) == {"basic_economy", "economy", "business"}
        for e in entries
    )


def test_scale_adds_blocks_and_keeps_scale_one_entities() -> None:
    one, two = build_state(0, 1), build_state(0, 2)
    assert len(two["users"]) == 1000 and len(two["reservations"]) == 4000
    assert len(two["flights"]) == 300
    assert all(two["users"][k] == v for k, v in one["users"].items())
    assert all(two["reservations"][k] == v for k, v in one["reservations"].items())


def test_statuses_follow_the_clock(airline: Environment) -> None:
    today = TODAY.isoformat()
    for f in airline.db.flights.values():
        for day, entry in f["dates"].items():
            if day < today:
                assert entry["status"] in ("landed", "cancelled")
            elif day > today:
                assert entry["status"] in ("available", "cancelled")
            else:
                assert entry["status"] in ("landed", "flying", "on time", "delayed", "cancelled")


def test_reservations_reference_real_entities(airline: Environment) -> None:
    db = airline.db
    for user in db.users.values():
        assert user["reservations"] and all(
            db.reservations[r]["user_id"] == user["user_id"] for r in user["reservations"]
        )
        assert any(m["source"] != "certificate" for m in user["payment_methods"].values())
    for r in db.reservations.values():
        at = r["origin"]
        for s in r["flights"]:
            flight = db.flights[s["flight_number"]]
            assert (s["origin"], s["destination"]) == (flight["origin"], flight["destination"])
            assert s["origin"] == at and s["date"] in flight["dates"]
            at = s["destination"]
        end = r["origin"] if r["trip_type"] == "round_trip" else r["destination"]
        assert at == end
        assert r["created_at"] <= f"{TODAY.isoformat()}T14:00:00"
