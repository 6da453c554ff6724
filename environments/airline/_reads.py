"""Read tools of the airline domain: look-ups that never change the state."""

from __future__ import annotations

import re
from typing import Any

from apigen.env import DB, ToolFailure, tool
from environments._shared import calculate
from environments.airline._common import DATES
from environments.airline._types import (
    AirportCode,
    FlightNumber,
    FlightOption,
    Reservation,
    ReservationId,
    UserDetails,
)

__all__ = ["READ_TOOLS", "flight_option", "get_flight", "get_reservation", "get_user", "minutes"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONNECTION_MINUTES = 60
"""Shortest connection a one-stop itinerary allows."""


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def get_user(db: DB, user_id: str) -> Any:
    user = db.users.get(user_id)
    if user is None:
        raise ToolFailure(f"user {user_id!r} not found")
    return user


def get_reservation(db: DB, reservation_id: str) -> Any:
    reservation = db.reservations.get(reservation_id)
    if reservation is None:
        raise ToolFailure(f"reservation {reservation_id!r} not found")
    return reservation


def get_flight(db: DB, flight_number: str, date: str) -> tuple[Any, Any]:
    """(flight, its entry on ``date``), or a failure."""
    flight = db.flights.get(flight_number)
    if flight is None:
        raise ToolFailure(f"flight {flight_number!r} not found")
    entry = flight["dates"].get(date)
    if entry is None:
        raise ToolFailure(f"flight {flight_number} is not scheduled on {date!r}")
    return flight, entry


def flight_option(flight: Any, date: str) -> FlightOption:
    """A flight on a date as the searches show it."""
    entry = flight["dates"][date]
    return {
        "flight_number": flight["flight_number"],
        "date": date,
        "origin": flight["origin"],
        "destination": flight["destination"],
        "departure_time": flight["departure_time"],
        "arrival_time": flight["arrival_time"],
        "status": entry["status"],
        "available_seats": entry["available_seats"],
        "prices": entry["prices"],
    }


def _check_search(db: DB, origin: str, destination: str, date: str) -> None:
    for code in (origin, destination):
        if code not in db.airports:
            raise ToolFailure(f"unknown airport {code!r} (use a three-letter code such as 'SEA')")
    if not _DATE.match(date):
        raise ToolFailure(f"date {date!r} must be written YYYY-MM-DD")
    if date not in DATES:
        span = f"{DATES[0]} to {DATES[-1]}"
        raise ToolFailure(f"no schedule for {date}: flights are listed from {span}")


def _bookable(db: DB, origin: str, date: str) -> list[Any]:
    return sorted(
        (
            f
            for f in db.flights.values()
            if f["origin"] == origin and f["dates"][date]["status"] == "available"
        ),
        key=lambda f: (f["departure_time"], f["flight_number"]),
    )


@tool("read", authenticates=True)
def get_user_details(db: DB, user_id: str) -> UserDetails:
    """Get a user's profile: name, email, date of birth, address, membership tier,
    payment methods (with gift card and certificate balances), saved passengers and
    reservation ids.

    Args:
        user_id: The user id, e.g. 'nora_halloran_4821'.
    """
    return get_user(db, user_id)


@tool("read")
def get_reservation_details(db: DB, reservation_id: ReservationId) -> Reservation:
    """Get a reservation: route, trip type, cabin, flights with the price paid per
    passenger, passengers, payment history, creation time, bags, insurance and status.

    Args:
        reservation_id: The six-character reservation id, e.g. 'ZFA04Y'.
    """
    return get_reservation(db, reservation_id)


@tool("read")
def list_all_airports(db: DB) -> list[dict[AirportCode, str]]:
    """List every airport the airline serves, as {code: city}.

    Args:
    """
    return [{a["code"]: a["city"]} for a in sorted(db.airports.values(), key=lambda a: a["code"])]


@tool("read")
def get_flight_status(db: DB, flight_number: FlightNumber, date: str) -> str:
    """Get the status of a flight on a date: 'available' (bookable), 'on time',
    'delayed', 'cancelled', 'flying' or 'landed'.

    Args:
        flight_number: The flight number, e.g. 'SK417'.
        date: The date in the format YYYY-MM-DD, e.g. '2026-04-14'.
    """
    _, entry = get_flight(db, flight_number, date)
    return str(entry["status"])


@tool("read")
def search_direct_flight(
    db: DB, origin: AirportCode, destination: AirportCode, date: str
) -> list[FlightOption]:
    """Search the bookable direct flights between two airports on a date, with
    departure and arrival times, seats left and prices per cabin.

    Args:
        origin: Three-letter code of the departure airport, e.g. 'SEA'.
        destination: Three-letter code of the arrival airport, e.g. 'BOS'.
        date: The date in the format YYYY-MM-DD, e.g. '2026-04-14'.
    """
    _check_search(db, origin, destination, date)
    return [
        flight_option(f, date)
        for f in _bookable(db, origin, date)
        if f["destination"] == destination
    ]


@tool("read")
def search_onestop_flight(
    db: DB, origin: AirportCode, destination: AirportCode, date: str
) -> list[list[FlightOption]]:
    """Search bookable one-stop itineraries between two airports on a date: pairs of
    flights on the same day with at least one hour to connect.

    Args:
        origin: Three-letter code of the departure airport, e.g. 'SEA'.
        destination: Three-letter code of the arrival airport, e.g. 'BOS'.
        date: The date in the format YYYY-MM-DD, e.g. '2026-04-14'.
    """
    _check_search(db, origin, destination, date)
    found: list[list[FlightOption]] = []
    for first in _bookable(db, origin, date):
        if first["destination"] == destination:
            continue
        ready = minutes(first["arrival_time"]) + _CONNECTION_MINUTES
        for second in _bookable(db, first["destination"], date):
            if second["destination"] == destination and minutes(second["departure_time"]) >= ready:
                found.append([flight_option(first, date), flight_option(second, date)])
    return found


READ_TOOLS = (
    get_user_details,
    get_reservation_details,
    list_all_airports,
    get_flight_status,
    search_direct_flight,
    search_onestop_flight,
    calculate,
)
