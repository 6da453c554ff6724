"""Airline tools: what they return and change; failures are tool errors that change nothing."""

from __future__ import annotations

from apigen.env import Environment
from environments.airline._common import TODAY, any_flown, segment_flown
from tests.environments.airline_helpers import (
    authed,
    bookable,
    booking,
    method,
    open_reservation,
    reservation,
    run,
)


def _failed(execution, text: str) -> None:  # type: ignore[no-untyped-def]
    assert execution.error is not None and execution.error.kind == "tool_error"
    assert text in execution.error.message
    assert not execution.changed


def test_reads_find_flights_and_report_unknown_ids(airline: Environment) -> None:
    box = airline.sandbox()
    flight, day = bookable(airline.db)
    found = run(
        box,
        "search_direct_flight",
        origin=flight["origin"],
        destination=flight["destination"],
        date=day,
    ).output
    assert flight["flight_number"] in [f["flight_number"] for f in found]
    assert all(f["status"] == "available" for f in found)
    stops = run(box, "search_onestop_flight", origin="SEA", destination="MIA", date=day).output
    for first, second in stops:
        assert (
            first["destination"] == second["origin"]
            and first["arrival_time"] < second["departure_time"]
        )
    assert {"SEA": "Seattle"} in run(box, "list_all_airports").output
    status = run(box, "get_flight_status", flight_number=flight["flight_number"], date=day)
    assert status.output == "available"
    _failed(run(box, "get_user_details", user_id="nobody_0000"), "not found")
    _failed(run(box, "get_reservation_details", reservation_id="ZZZZZZ"), "not found")
    _failed(run(box, "search_direct_flight", origin="XXX", destination="SEA", date=day), "airport")
    _failed(
        run(box, "search_direct_flight", origin="SEA", destination="BOS", date="2026-05-20"),
        "no schedule",
    )
    assert run(box, "calculate", expression="(120 + 80) * 2").output == 400.0


def test_booking_charges_takes_seats_and_spends_balances(airline: Environment) -> None:
    db = airline.db
    user_id = next(
        u
        for u, r in db.users.items()
        if method(db, u, "gift_card")
        and method(db, u, "certificate")
        and method(db, u, "credit_card")
    )
    flight, day = bookable(db)
    price = flight["dates"][day]["prices"]["economy"]
    cert, card = method(db, user_id, "certificate"), method(db, user_id, "credit_card")
    cert_amount = db.users[user_id]["payment_methods"][cert]["amount"]
    box = authed(airline, user_id)
    args = booking(
        db,
        user_id,
        card,
        flight,
        day,
        insurance=True,
        payment_methods=[
            {"payment_id": cert, "amount": float(min(cert_amount, price))},
            {"payment_id": card, "amount": float(price + 30 - min(cert_amount, price))},
        ],
    )
    done = run(box, "book_reservation", **args)
    assert done.ok and done.changed, done.error
    rid = done.output["reservation_id"]
    assert box.db.reservations[rid]["status"] == "active"
    assert rid in box.db.users[user_id]["reservations"]
    assert cert not in box.db.users[user_id]["payment_methods"]
    seats = box.db.flights[flight["flight_number"]]["dates"][day]["available_seats"]["economy"]
    assert seats == flight["dates"][day]["available_seats"]["economy"] - 1
    wrong = booking(
        db,
        user_id,
        card,
        flight,
        day,
        payment_methods=[{"payment_id": card, "amount": float(price + 1)}],
    )
    _failed(run(airline.sandbox(), "book_reservation", **wrong), "the total is")
    other = next(u for u in db.users if u != user_id)
    stranger = booking(db, user_id, method(db, other, "credit_card") or "x", flight, day)
    stranger["payment_methods"][0]["payment_id"] = next(iter(db.users[other]["payment_methods"]))
    _failed(run(airline.sandbox(), "book_reservation", **stranger), "is not one of")


def test_cancel_refunds_releases_seats_and_stays_cancelled(airline: Environment) -> None:
    db = airline.db
    r = open_reservation(
        db, lambda r: any(e["payment_id"].startswith("gift_card_") for e in r["payment_history"])
    )
    pid = r["payment_history"][0]["payment_id"]
    before = db.users[r["user_id"]]["payment_methods"][pid]["amount"]
    box = authed(airline, r["user_id"])
    done = run(box, "cancel_reservation", reservation_id=r["reservation_id"], reason="other")
    assert done.ok and done.output["status"] == "cancelled"
    refunds = [e for e in done.output["payment_history"] if e["kind"] == "refund"]
    assert sum(e["amount"] for e in refunds) == r["payment_history"][0]["amount"]
    assert (
        box.db.users[r["user_id"]]["payment_methods"][pid]["amount"]
        == before + refunds[0]["amount"]
    )
    s = r["flights"][0]
    seats = box.db.flights[s["flight_number"]]["dates"][s["date"]]["available_seats"][r["cabin"]]
    old = db.flights[s["flight_number"]]["dates"][s["date"]]["available_seats"][r["cabin"]]
    assert seats == old + len(r["passengers"])
    _failed(
        run(box, "cancel_reservation", reservation_id=r["reservation_id"], reason="other"),
        "is cancelled",
    )
    bad = run(box, "cancel_reservation", reservation_id=r["reservation_id"], reason="bored")
    assert bad.error is not None and bad.error.kind == "invalid_arguments"


def test_flight_change_keeps_flown_segments_and_settles_the_difference(
    airline: Environment,
) -> None:
    db = airline.db

    def upgradable(r):  # type: ignore[no-untyped-def]
        s = r["flights"][0]
        entry = db.flights[s["flight_number"]]["dates"][s["date"]]
        seats = entry["available_seats"]["business"] >= len(r["passengers"])
        return r["cabin"] == "economy" and len(r["flights"]) == 1 and seats

    r = open_reservation(db, upgradable)
    card = method(db, r["user_id"], "credit_card") or method(db, r["user_id"], "gift_card")
    box = authed(airline, r["user_id"])
    flights = [{"flight_number": s["flight_number"], "date": s["date"]} for s in r["flights"]]
    up = run(
        box,
        "update_reservation_flights",
        reservation_id=r["reservation_id"],
        cabin="business",
        flights=flights,
        payment_id=card,
    )
    s = r["flights"][0]
    business = db.flights[s["flight_number"]]["dates"][s["date"]]["prices"]["business"]
    assert up.ok and up.output["cabin"] == "business", up.error
    paid = up.output["payment_history"][-1]
    assert paid["amount"] == abs(business - s["price"]) * len(r["passengers"])
    flown = reservation(
        db,
        lambda r: (
            r["status"] == "active"
            and any_flown(db, r["flights"])
            and not all(segment_flown(db, x) for x in r["flights"])
        ),
    )
    keep = [x for x in flown["flights"] if not segment_flown(db, x)]
    pay = method(db, flown["user_id"], "credit_card") or method(db, flown["user_id"], "gift_card")
    _failed(
        run(
            authed(airline, flown["user_id"]),
            "update_reservation_flights",
            reservation_id=flown["reservation_id"],
            cabin=flown["cabin"],
            flights=[{"flight_number": x["flight_number"], "date": x["date"]} for x in keep],
            payment_id=pay,
        ),
        "is past",
    )
    cert_user = next(u for u in db.users if method(db, u, "certificate"))
    theirs = open_reservation(db, lambda r: r["user_id"] == cert_user)
    _failed(
        run(
            authed(airline, cert_user),
            "update_reservation_baggages",
            reservation_id=theirs["reservation_id"],
            total_baggages=9,
            nonfree_baggages=9,
            payment_id=method(db, cert_user, "certificate"),
        ),
        "certificate",
    )


def test_passengers_bags_certificates_and_transfers(airline: Environment) -> None:
    db = airline.db
    r = open_reservation(db, lambda r: len(r["passengers"]) == 2)
    box = authed(airline, r["user_id"])
    people = [dict(p) for p in r["passengers"]]
    _failed(
        run(
            box,
            "update_reservation_passengers",
            reservation_id=r["reservation_id"],
            passengers=people[:1],
        ),
        "cannot change",
    )
    people[1]["first_name"] = "Renamed"
    assert run(
        box, "update_reservation_passengers", reservation_id=r["reservation_id"], passengers=people
    ).changed
    card = method(db, r["user_id"], "credit_card") or method(db, r["user_id"], "gift_card")
    bags = run(
        box,
        "update_reservation_baggages",
        reservation_id=r["reservation_id"],
        total_baggages=r["total_baggages"] + 2,
        nonfree_baggages=r["nonfree_baggages"] + 2,
        payment_id=card,
    )
    assert bags.ok and bags.output["payment_history"][-1]["amount"] == 100
    cert = run(box, "send_certificate", user_id=r["user_id"], amount=150)
    assert (
        cert.ok
        and box.db.users[r["user_id"]]["payment_methods"][cert.output["id"]]["amount"] == 150
    )
    _failed(run(box, "send_certificate", user_id=r["user_id"], amount=0), "between")
    moved = run(box, "transfer_to_human_agents", summary="Wants a refund.", user_id=r["user_id"])
    assert moved.output["status"] == "queued" and "TR00001" in box.db.transfers
    _failed(run(box, "transfer_to_human_agents", summary="  "), "must not be empty")


def test_a_past_flight_stays_even_when_the_airline_cancelled_it(airline: Environment) -> None:
    """What ``reachable`` relies on: no tool changes a segment dated before today."""
    db = airline.db
    today = TODAY.isoformat()
    r = reservation(
        db,
        lambda r: (
            r["status"] == "active"
            and r["cabin"] != "basic_economy"
            and r["flights"][0]["date"] < today
            and not any_flown(db, r["flights"])
        ),
    )
    flight, day = bookable(db)
    pay = method(db, r["user_id"], "credit_card") or method(db, r["user_id"], "gift_card")
    change = run(
        authed(airline, r["user_id"]),
        "update_reservation_flights",
        reservation_id=r["reservation_id"],
        cabin=r["cabin"],
        flights=[{"flight_number": flight["flight_number"], "date": day}],
        payment_id=pay,
    )
    _failed(change, "is past")
