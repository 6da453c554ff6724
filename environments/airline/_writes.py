"""Write tools of the airline domain.

Tools enforce integrity only (see ``_ledger``); which changes the policy allows is
judged by the checks in ``_policy``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from apigen.env import DB, ToolFailure, tool
from environments._shared import transfer_to_human_agents
from environments.airline._common import (
    BAG_FEE,
    INSURANCE_FEE,
    NOW,
    TODAY,
    cents,
    dollars,
    segment_flown,
)
from environments.airline._ledger import (
    active_reservation,
    build_segments,
    check_chain,
    check_passengers,
    move_money,
    new_id,
    reservation_code,
    reserve_seats,
)
from environments.airline._reads import get_user
from environments.airline._types import (
    AirportCode,
    Cabin,
    CancelReason,
    Certificate,
    FlightDate,
    Passenger,
    Payment,
    PaymentId,
    Reservation,
    ReservationId,
    TripType,
    UserId,
)

__all__ = ["WRITE_TOOLS"]


def _check_route(segments: list[dict[str, Any]], origin: str, destination: str, trip: str) -> None:
    check_chain(segments, origin)
    end = segments[-1]["destination"]
    if trip == "one_way" and end != destination:
        raise ToolFailure(f"a one-way trip must end at {destination}, not {end}")
    if trip == "round_trip" and (
        end != origin or destination not in {s["destination"] for s in segments}
    ):
        raise ToolFailure(f"a round trip must go to {destination} and come back to {origin}")


@tool("write", confirm=True)
def book_reservation(
    db: DB,
    user_id: UserId,
    origin: AirportCode,
    destination: AirportCode,
    trip_type: TripType,
    cabin: Cabin,
    flights: list[FlightDate],
    passengers: list[Passenger],
    payment_methods: list[Payment],
    total_baggages: int,
    nonfree_baggages: int,
    insurance: bool,
) -> Reservation:
    """Book a reservation for a user. The payments must add up to the total: every
    flight's price in the cabin times the passengers, plus travel insurance
    ($30 per passenger) if taken, plus $50 per non-free checked bag.

    Args:
        user_id: The user id, e.g. 'nora_halloran_4821'.
        origin: Three-letter code of the airport the trip starts from, e.g. 'SEA'.
        destination: Three-letter code of the trip's destination, e.g. 'BOS'.
        trip_type: 'one_way' or 'round_trip'.
        cabin: 'basic_economy', 'economy' or 'business' (the same for every flight).
        flights: Every flight of the trip in order, outbound then return, each as
            {'flight_number': 'SK417', 'date': '2026-04-14'}.
        passengers: Each passenger as {'first_name', 'last_name', 'dob' (YYYY-MM-DD)}.
        payment_methods: The payments, each as {'payment_id': 'credit_card_7815826',
            'amount': 412.0}; together they pay the total.
        total_baggages: Checked bags of all passengers together.
        nonfree_baggages: Checked bags beyond the free allowance, charged $50 each.
        insurance: Whether to add travel insurance ($30 per passenger).
    """
    get_user(db, user_id)
    people = check_passengers([p.model_dump() for p in passengers])
    segments = build_segments(db, [f.model_dump() for f in flights], cabin, len(people), {})
    _check_route(segments, origin, destination, trip_type)
    if not 0 <= nonfree_baggages <= total_baggages:
        raise ToolFailure("nonfree_baggages must be between 0 and total_baggages")
    total = (
        sum(cents(s["price"]) for s in segments) * len(people)
        + cents(INSURANCE_FEE) * len(people) * insurance
        + cents(BAG_FEE) * nonfree_baggages
    )
    paid = [cents(p.amount) for p in payment_methods]
    if any(a <= 0 for a in paid):
        raise ToolFailure("every payment amount must be positive")
    if sum(paid) != total:
        raise ToolFailure(
            f"the payments add up to {dollars(sum(paid))}, the total is {dollars(total)}"
        )
    ids = [p.payment_id for p in payment_methods]
    if len(set(ids)) != len(ids):
        raise ToolFailure("a payment method is listed twice")
    history = [
        move_money(db, user_id, pid, amount, certificate_ok=True)
        for pid, amount in zip(ids, paid, strict=True)
    ]
    reserve_seats(db, segments, cabin, -len(people))
    seed = f"{user_id}/{[(s['flight_number'], s['date']) for s in segments]}"
    reservation_id = new_id(db, "reservations", seed, reservation_code)
    reservation = {
        "reservation_id": reservation_id,
        "user_id": user_id,
        "origin": origin,
        "destination": destination,
        "trip_type": trip_type,
        "cabin": cabin,
        "flights": segments,
        "passengers": people,
        "payment_history": history,
        "created_at": NOW,
        "total_baggages": total_baggages,
        "nonfree_baggages": nonfree_baggages,
        "insurance": insurance,
        "status": "active",
    }
    db.reservations[reservation_id] = reservation
    user = db.users.edit(user_id)
    user["reservations"].append(reservation_id)
    db.users[user_id] = user
    return reservation  # type: ignore[return-value]


@tool("write", confirm=True)
def cancel_reservation(
    db: DB,
    reservation_id: ReservationId,
    reason: CancelReason,
) -> Reservation:
    """Cancel a whole reservation. What was paid goes back to the payment methods
    used (gift cards at once, cards in 5-7 business days); the part paid with a
    travel certificate is not refunded.

    Args:
        reservation_id: The six-character reservation id, e.g. 'ZFA04Y'.
        reason: Why the user cancels: 'change of plans', 'flight cancelled by
            airline', 'health', 'weather' or 'other'.
    """
    reservation = active_reservation(db, reservation_id)
    net: dict[str, int] = {}
    for entry in reservation["payment_history"]:
        sign = 1 if entry["kind"] == "payment" else -1
        net[entry["payment_id"]] = net.get(entry["payment_id"], 0) + sign * cents(entry["amount"])
    for pid, amount in net.items():
        if amount > 0 and not pid.startswith("certificate_"):  # certificates are spent
            entry = move_money(db, reservation["user_id"], pid, -amount)
            reservation["payment_history"].append(entry)
    reserve_seats(db, reservation["flights"], reservation["cabin"], len(reservation["passengers"]))
    reservation["status"] = "cancelled"
    reservation["cancel_reason"] = reason
    db.reservations[reservation_id] = reservation
    return reservation  # type: ignore[return-value]


@tool("write", confirm=True)
def update_reservation_flights(
    db: DB,
    reservation_id: ReservationId,
    cabin: Cabin,
    flights: list[FlightDate],
    payment_id: PaymentId,
) -> Reservation:
    """Change the flights and/or the cabin of a reservation. List every flight of
    the new itinerary, the unchanged ones too; flights that have flown or are dated
    before today cannot change. Unchanged flights keep the price
    paid; new flights (or all, when the cabin changes) cost today's price; the
    difference for all passengers is charged to or refunded to payment_id.

    Args:
        reservation_id: The six-character reservation id, e.g. 'ZFA04Y'.
        cabin: The cabin for every flight: 'basic_economy', 'economy' or 'business'.
        flights: Every flight of the new itinerary in order, each as
            {'flight_number': 'SK417', 'date': '2026-04-14'}.
        payment_id: A credit card or gift card of the user that pays or receives
            the difference, e.g. 'gift_card_7815826'.
    """
    reservation = active_reservation(db, reservation_id)
    old, seats = reservation["flights"], len(reservation["passengers"])
    wanted = {(f.flight_number, f.date) for f in flights}
    for s in old:
        fixed = segment_flown(db, s) or s["date"] < TODAY.isoformat()
        if fixed and (s["flight_number"], s["date"]) not in wanted:
            raise ToolFailure(f"flight {s['flight_number']} on {s['date']} is past; keep it")
        if fixed and cabin != reservation["cabin"]:
            raise ToolFailure("the cabin cannot change once a flight of the trip is past")
    same_cabin = cabin == reservation["cabin"]
    kept = {(s["flight_number"], s["date"]): s for s in old} if same_cabin else {}
    reserve_seats(db, old, reservation["cabin"], seats)  # give back, then take the new ones
    segments = build_segments(db, [f.model_dump() for f in flights], cabin, seats, kept)
    check_chain(segments, reservation["origin"])
    if segments == [dict(s) for s in old] and same_cabin:
        raise ToolFailure("the new flights and cabin are the same as the current ones")
    reserve_seats(db, segments, cabin, -seats)
    diff = (sum(cents(s["price"]) for s in segments) - sum(cents(s["price"]) for s in old)) * seats
    if diff:
        entry = move_money(db, reservation["user_id"], payment_id, diff)
        reservation["payment_history"].append(entry)
    else:
        move_money(db, reservation["user_id"], payment_id, 0)
    reservation["flights"], reservation["cabin"] = segments, cabin
    db.reservations[reservation_id] = reservation
    return reservation  # type: ignore[return-value]


@tool("write", confirm=True)
def update_reservation_passengers(
    db: DB, reservation_id: ReservationId, passengers: list[Passenger]
) -> Reservation:
    """Replace the passenger details of a reservation; the number of passengers
    cannot change.

    Args:
        reservation_id: The six-character reservation id, e.g. 'ZFA04Y'.
        passengers: Every passenger, in order, as {'first_name', 'last_name',
            'dob' (YYYY-MM-DD)}.
    """
    reservation = active_reservation(db, reservation_id)
    people = check_passengers([p.model_dump() for p in passengers])
    if len(people) != len(reservation["passengers"]):
        count = len(reservation["passengers"])
        raise ToolFailure(f"the reservation has {count} passengers; the number cannot change")
    if people == reservation["passengers"]:
        raise ToolFailure("the passengers are the same as the current ones")
    reservation["passengers"] = people
    db.reservations[reservation_id] = reservation
    return reservation  # type: ignore[return-value]


@tool("write", confirm=True)
def update_reservation_baggages(
    db: DB,
    reservation_id: ReservationId,
    total_baggages: int,
    nonfree_baggages: int,
    payment_id: PaymentId,
) -> Reservation:
    """Set the checked bags of a reservation. Each added non-free bag costs $50,
    charged to payment_id.

    Args:
        reservation_id: The six-character reservation id, e.g. 'ZFA04Y'.
        total_baggages: The new number of checked bags of all passengers together.
        nonfree_baggages: How many of them are beyond the free allowance.
        payment_id: A credit card or gift card of the user that pays for added
            non-free bags, e.g. 'credit_card_7815826'.
    """
    reservation = active_reservation(db, reservation_id)
    if not 0 <= nonfree_baggages <= total_baggages:
        raise ToolFailure("nonfree_baggages must be between 0 and total_baggages")
    if (total_baggages, nonfree_baggages) == (
        reservation["total_baggages"],
        reservation["nonfree_baggages"],
    ):
        raise ToolFailure("the bags are the same as now")
    diff = cents(BAG_FEE) * (nonfree_baggages - reservation["nonfree_baggages"])
    entry = move_money(db, reservation["user_id"], payment_id, diff)
    if diff:
        reservation["payment_history"].append(entry)
    reservation["total_baggages"] = total_baggages
    reservation["nonfree_baggages"] = nonfree_baggages
    db.reservations[reservation_id] = reservation
    return reservation  # type: ignore[return-value]


@tool("write", confirm=True)
def send_certificate(db: DB, user_id: UserId, amount: int) -> Certificate:
    """Send a user a travel certificate worth the given amount in dollars, usable towards a
    future booking.

    Args:
        user_id: The user id, e.g. 'nora_halloran_4821'.
        amount: The certificate's value in whole dollars, e.g. 100.
    """
    get_user(db, user_id)
    if not 0 < amount <= 2000:
        raise ToolFailure("amount must be between 1 and 2000 dollars")
    user = db.users.edit(user_id)
    seed = f"{user_id}/{sorted(user['payment_methods'])}"
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 9_000_000 + 1_000_000
    while f"certificate_{number}" in user["payment_methods"]:  # pragma: no cover
        number += 1
    certificate_id = f"certificate_{number}"
    record = {"id": certificate_id, "source": "certificate", "amount": float(amount)}
    user["payment_methods"][certificate_id] = record
    db.users[user_id] = user
    return {**record, "user_id": user_id}  # type: ignore[typeddict-item]


WRITE_TOOLS = (
    book_reservation,
    cancel_reservation,
    update_reservation_flights,
    update_reservation_passengers,
    update_reservation_baggages,
    send_certificate,
    transfer_to_human_agents,
)
