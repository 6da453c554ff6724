"""Backend integrity helpers shared by the airline write tools: itineraries, seats, money.

These enforce what a booking backend enforces (ids exist, segments connect, seats
exist, balances cover charges, flown segments stay as they were); business rules
(who may cancel, allowances, which payment mix) are policy checks in ``_policy``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from apigen.env import DB, ToolFailure
from environments.airline._common import cents, dollars, money, segment_flown
from environments.airline._reads import get_flight, get_reservation, get_user

__all__ = [
    "active_reservation",
    "build_segments",
    "check_chain",
    "check_passengers",
    "move_money",
    "new_id",
    "reserve_seats",
]

_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def active_reservation(db: DB, reservation_id: str) -> dict[str, Any]:
    """A mutable copy of an active reservation, or a failure."""
    get_reservation(db, reservation_id)
    reservation = db.reservations.edit(reservation_id)
    if reservation["status"] == "cancelled":
        raise ToolFailure(f"reservation {reservation_id} is cancelled and cannot be changed")
    return reservation


def new_id(db: DB, table: str, seed: str, make: Any) -> str:
    """A deterministic, unused key of ``table`` derived from ``seed``."""
    for attempt in range(1000):
        digest = hashlib.sha256(f"{seed}/{len(db[table])}/{attempt}".encode()).digest()
        key = str(make(digest))
        if key not in db[table]:
            return key
    raise ToolFailure("could not allocate an id")  # pragma: no cover - 1000 collisions


def reservation_code(digest: bytes) -> str:
    return "".join(_ID_CHARS[b % len(_ID_CHARS)] for b in digest[:6])


def check_passengers(passengers: Sequence[Any]) -> list[dict[str, str]]:
    if not passengers:
        raise ToolFailure("a reservation needs at least one passenger")
    cleaned = []
    for n, p in enumerate(passengers, 1):
        first, last, dob = (str(p[k]).strip() for k in ("first_name", "last_name", "dob"))
        if not first or not last:
            raise ToolFailure(f"passenger {n}: first and last name must not be empty")
        if len(dob) != 10 or dob[4] != "-" or dob[7] != "-" or not dob.replace("-", "").isdigit():
            raise ToolFailure(f"passenger {n}: date of birth {dob!r} must be written YYYY-MM-DD")
        cleaned.append({"first_name": first, "last_name": last, "dob": dob})
    return cleaned


def check_chain(segments: Sequence[Any], origin: str) -> None:
    """Segments connect one after the other from ``origin``, dates never going back."""
    if not segments:
        raise ToolFailure("flights must name at least one flight")
    at, day = origin, segments[0]["date"]
    for s in segments:
        if s["origin"] != at:
            raise ToolFailure(
                f"flight {s['flight_number']} leaves from {s['origin']}, not {at}: "
                "the flights must connect"
            )
        if s["date"] < day:
            raise ToolFailure(f"flight {s['flight_number']} on {s['date']} is out of date order")
        at, day = s["destination"], s["date"]


def build_segments(
    db: DB, flights: Sequence[Any], cabin: str, seats: int, kept: dict[tuple[str, str], Any]
) -> list[dict[str, Any]]:
    """Segment records for ``flights``: ``kept`` ones (same flight, date and cabin as
    booked) keep their price; others must be bookable with ``seats`` seats left."""
    out = []
    for f in flights:
        key = (str(f["flight_number"]), str(f["date"]))
        if key in kept:
            out.append(dict(kept[key]))
            continue
        flight, entry = get_flight(db, *key)
        if entry["status"] != "available":
            raise ToolFailure(f"flight {key[0]} on {key[1]} is {entry['status']}, not bookable")
        if entry["available_seats"][cabin] < seats:
            left = entry["available_seats"][cabin]
            raise ToolFailure(f"flight {key[0]} on {key[1]} has {left} {cabin} seats left")
        out.append(
            {
                "flight_number": key[0],
                "date": key[1],
                "origin": flight["origin"],
                "destination": flight["destination"],
                "price": entry["prices"][cabin],
            }
        )
    return out


def reserve_seats(db: DB, segments: Sequence[Any], cabin: str, delta: int) -> None:
    """Take (``delta`` < 0) or give back seats on the unflown ``segments``."""
    for s in segments:
        if segment_flown(db, s):
            continue
        flight = db.flights.edit(s["flight_number"])
        seats = flight["dates"][s["date"]]["available_seats"]
        seats[cabin] = seats[cabin] + delta
        db.flights[s["flight_number"]] = flight


def move_money(
    db: DB,
    user_id: str,
    payment_id: str,
    amount_cents: int,
    *,
    certificate_ok: bool = False,
) -> dict[str, Any]:
    """Charge (> 0) or refund (< 0) one of the user's payment methods; the history entry.

    Gift cards pay up to their balance and take refunds back; a certificate pays up
    to its amount and is then spent (``certificate_ok`` only: new bookings)."""
    user = get_user(db, user_id)
    method = user["payment_methods"].get(payment_id)
    if method is None:
        raise ToolFailure(f"payment method {payment_id!r} is not one of {user_id}'s")
    source = method["source"]
    if source == "certificate" and not (certificate_ok and amount_cents > 0):
        raise ToolFailure("a travel certificate can only pay for a new booking")
    if source in ("gift_card", "certificate"):
        balance = cents(method["amount"])
        if amount_cents > balance:
            raise ToolFailure(
                f"{payment_id} has {money(balance)} left, less than {money(amount_cents)}"
            )
        edited = db.users.edit(user_id)
        if source == "certificate":
            del edited["payment_methods"][payment_id]
        else:
            edited["payment_methods"][payment_id]["amount"] = dollars(balance - amount_cents)
        db.users[user_id] = edited
    kind = "payment" if amount_cents > 0 else "refund"
    return {"kind": kind, "payment_id": payment_id, "amount": dollars(abs(amount_cents))}
