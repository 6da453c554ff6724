"""Helpers for the airline tests: calls and entity look-ups over the seed-0 state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apigen.env import DB, Environment, Sandbox
from apigen.types import ToolCall, ToolExecution
from environments.airline._common import TODAY, any_flown


def call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def run(box: Sandbox, name: str, **arguments: Any) -> ToolExecution:
    return box.call(call(name, **arguments))


def authed(env: Environment, user_id: str) -> Sandbox:
    """A sandbox where ``user_id`` is authenticated."""
    box = env.sandbox()
    assert run(box, "get_user_details", user_id=user_id).ok
    return box


def reservation(db: DB, where: Callable[[Any], bool]) -> Any:
    """The first reservation (state order) passing ``where``."""
    return next(r for r in db.reservations.values() if where(r))


def open_reservation(db: DB, where: Callable[[Any], bool] = lambda r: True) -> Any:
    """An active reservation with nothing flown, passing ``where``."""
    return reservation(
        db, lambda r: r["status"] == "active" and not any_flown(db, r["flights"]) and where(r)
    )


def method(db: DB, user_id: str, source: str) -> str | None:
    for pid, m in db.users[user_id]["payment_methods"].items():
        if m["source"] == source:
            return str(pid)
    return None


def bookable(db: DB, seats: int = 1, cabin: str = "economy") -> tuple[Any, str]:
    """(flight, date) of a future bookable flight with ``seats`` seats in ``cabin``."""
    for f in db.flights.values():
        for day, entry in f["dates"].items():
            if (
                day > TODAY.isoformat()
                and entry["status"] == "available"
                and entry["available_seats"][cabin] >= seats
            ):
                return f, day
    raise AssertionError("no bookable flight")


def booking(db: DB, user_id: str, pid: str, flight: Any, day: str, **extra: Any) -> dict[str, Any]:
    """Arguments of a one-way, one-passenger economy booking paid by ``pid``."""
    user = db.users[user_id]
    price = flight["dates"][day]["prices"]["economy"]
    args: dict[str, Any] = {
        "user_id": user_id,
        "origin": flight["origin"],
        "destination": flight["destination"],
        "trip_type": "one_way",
        "cabin": "economy",
        "flights": [{"flight_number": flight["flight_number"], "date": day}],
        "passengers": [{**user["name"], "dob": user["dob"]}],
        "payment_methods": [{"payment_id": pid, "amount": float(price)}],
        "total_baggages": 0,
        "nonfree_baggages": 0,
        "insurance": False,
    }
    args.update(extra)
    return args
