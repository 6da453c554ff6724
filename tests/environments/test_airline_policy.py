"""Each airline policy rule: a compliant trace passes it, a violating trace breaks it."""

from __future__ import annotations

from typing import Any

from apigen.env import Environment, replay_with_policy
from apigen.types import ToolCall
from environments.airline import DOMAIN
from environments.airline._common import TODAY, any_flown, free_bags
from environments.airline._policy import cancel_allowed, compensation_amounts
from tests.environments.airline_helpers import (
    bookable,
    booking,
    call,
    method,
    open_reservation,
    reservation,
)


def rules(env: Environment, calls: list[ToolCall]) -> set[str]:
    return {v.rule for v in replay_with_policy(env, calls).violations}


def auth(user_id: str) -> ToolCall:
    return call("get_user_details", user_id=user_id)


def details(r: Any) -> ToolCall:
    return call("get_reservation_details", reservation_id=r["reservation_id"])


def test_auth_before_access_and_single_user(airline: Environment) -> None:
    db = airline.db
    a, b = list(db.users)[:2]
    rb = db.reservations[db.users[b]["reservations"][0]]
    assert rules(airline, [details(rb)]) == {"auth_before_access"}
    assert rules(airline, [auth(b), details(rb)]) == set()
    assert rules(airline, [auth(a), details(rb)]) == {"single_user"}
    assert rules(airline, [auth(a), auth(b)]) == {"single_user"}
    flight, day = bookable(db)
    search = call(
        "search_direct_flight", origin=flight["origin"], destination=flight["destination"], date=day
    )
    assert rules(airline, [search]) == set()


def test_own_payment_method_and_booking_payment_mix(airline: Environment) -> None:
    db = airline.db
    a = next(u for u in db.users if method(db, u, "credit_card"))
    b = next(u for u in db.users if u != a and method(db, u, "credit_card"))
    flight, day = bookable(db)
    mine = booking(db, a, method(db, a, "credit_card"), flight, day)
    assert rules(airline, [auth(a), call("book_reservation", **mine)]) == set()
    theirs = booking(db, a, method(db, b, "credit_card"), flight, day)
    assert "own_payment_method" in rules(airline, [auth(a), call("book_reservation", **theirs)])
    two = next(
        u
        for u in db.users
        if sum(m["source"] == "credit_card" for m in db.users[u]["payment_methods"].values()) == 2
    )
    cards = [p for p, m in db.users[two]["payment_methods"].items() if m["source"] == "credit_card"]
    price = flight["dates"][day]["prices"]["economy"]
    split = booking(
        db,
        two,
        cards[0],
        flight,
        day,
        payment_methods=[
            {"payment_id": cards[0], "amount": 1.0},
            {"payment_id": cards[1], "amount": price - 1.0},
        ],
    )
    assert rules(airline, [auth(two), call("book_reservation", **split)]) == {"booking_payment"}


def test_max_passengers(airline: Environment) -> None:
    db = airline.db
    user = next(u for u in db.users if method(db, u, "credit_card"))
    flight, day = bookable(db, seats=6)
    price = flight["dates"][day]["prices"]["economy"]
    people = [{"first_name": f"P{i}", "last_name": "Test", "dob": "1990-01-01"} for i in range(6)]
    card = method(db, user, "credit_card")
    six = booking(
        db,
        user,
        card,
        flight,
        day,
        passengers=people,
        payment_methods=[{"payment_id": card, "amount": float(price * 6)}],
    )
    assert rules(airline, [auth(user), call("book_reservation", **six)]) == {"max_passengers"}
    five = booking(
        db,
        user,
        card,
        flight,
        day,
        passengers=people[:5],
        payment_methods=[{"payment_id": card, "amount": float(price * 5)}],
    )
    assert rules(airline, [auth(user), call("book_reservation", **five)]) == set()


def test_unflown_only(airline: Environment) -> None:
    db = airline.db
    flown = reservation(
        db,
        lambda r: (
            r["status"] == "active" and r["cabin"] == "business" and any_flown(db, r["flights"])
        ),
    )
    cancel = call("cancel_reservation", reservation_id=flown["reservation_id"], reason="other")
    assert "unflown_only" in rules(airline, [auth(flown["user_id"]), cancel])
    fresh = open_reservation(db, lambda r: r["cabin"] == "business")
    cancel = call("cancel_reservation", reservation_id=fresh["reservation_id"], reason="other")
    assert rules(airline, [auth(fresh["user_id"]), cancel]) == set()


def test_cancel_eligibility_by_timing_cabin_insurance_and_reason(airline: Environment) -> None:
    db = airline.db
    late = f"{TODAY.isoformat()}T10:00:00"
    economy = open_reservation(
        db, lambda r: r["cabin"] == "economy" and r["created_at"] < late and not r["insurance"]
    )
    insured = open_reservation(
        db, lambda r: r["cabin"] == "economy" and r["created_at"] < late and r["insurance"]
    )
    basic = open_reservation(db, lambda r: r["cabin"] == "basic_economy" and r["created_at"] < late)
    recent = open_reservation(db, lambda r: r["created_at"] > late)
    assert cancel_allowed(db, economy, "change of plans") is not None
    assert cancel_allowed(db, insured, "health") is None
    assert cancel_allowed(db, insured, "change of plans") is not None
    assert cancel_allowed(db, basic, "weather") is not None
    assert cancel_allowed(db, recent, "change of plans") is None
    for r, reason, broken in ((economy, "other", True), (insured, "weather", False)):
        cancel = call("cancel_reservation", reservation_id=r["reservation_id"], reason=reason)
        assert ("cancel_eligibility" in rules(airline, [auth(r["user_id"]), cancel])) is broken
    hit = open_reservation(
        db,
        lambda r: any(
            db.flights[s["flight_number"]]["dates"][s["date"]]["status"] == "cancelled"
            for s in r["flights"]
        ),
    )
    assert cancel_allowed(db, hit, "flight cancelled by airline") is None
    assert cancel_allowed(db, economy, "flight cancelled by airline") is not None


def _flights(r: Any) -> list[dict[str, str]]:
    return [{"flight_number": s["flight_number"], "date": s["date"]} for s in r["flights"]]


def test_basic_economy_fixed_and_same_route(airline: Environment) -> None:
    db = airline.db
    basic = open_reservation(db, lambda r: r["cabin"] == "basic_economy")
    pay = method(db, basic["user_id"], "credit_card") or method(db, basic["user_id"], "gift_card")
    change = call(
        "update_reservation_flights",
        reservation_id=basic["reservation_id"],
        cabin="economy",
        flights=_flights(basic),
        payment_id=pay,
    )
    assert "basic_economy_fixed" in rules(airline, [auth(basic["user_id"]), change])
    eco = open_reservation(
        db,
        lambda r: (
            r["cabin"] == "economy" and r["trip_type"] == "one_way" and len(r["flights"]) == 2
        ),
    )
    pay = method(db, eco["user_id"], "credit_card") or method(db, eco["user_id"], "gift_card")
    same = call(
        "update_reservation_flights",
        reservation_id=eco["reservation_id"],
        cabin="business",
        flights=_flights(eco),
        payment_id=pay,
    )
    assert "same_route" not in rules(airline, [auth(eco["user_id"]), same])
    short = call(
        "update_reservation_flights",
        reservation_id=eco["reservation_id"],
        cabin="economy",
        flights=_flights(eco)[:1],
        payment_id=pay,
    )
    assert "same_route" in rules(airline, [auth(eco["user_id"]), short])


def test_baggage_allowance_and_bags_only_added(airline: Environment) -> None:
    db = airline.db
    r = open_reservation(db, lambda r: r["total_baggages"] > 0)
    user = db.users[r["user_id"]]
    pay = method(db, r["user_id"], "credit_card") or method(db, r["user_id"], "gift_card")
    free = free_bags(user["membership"], r["cabin"], len(r["passengers"]))
    total = r["total_baggages"] + 1

    def bags(total: int, nonfree: int) -> ToolCall:
        return call(
            "update_reservation_baggages",
            reservation_id=r["reservation_id"],
            total_baggages=total,
            nonfree_baggages=nonfree,
            payment_id=pay,
        )

    assert rules(airline, [auth(r["user_id"]), bags(total, max(0, total - free))]) == set()
    assert rules(airline, [auth(r["user_id"]), bags(total, max(0, total - free) + 1)]) == {
        "baggage_allowance"
    }
    fewer = r["total_baggages"] - 1
    assert "bags_only_added" in rules(
        airline, [auth(r["user_id"]), bags(fewer, max(0, fewer - free))]
    )


def test_compensation_amounts_and_once_per_conversation(airline: Environment) -> None:
    db = airline.db
    user_id = next(u for u in db.users if compensation_amounts(db, u))
    amount = min(compensation_amounts(db, user_id))
    send = call("send_certificate", user_id=user_id, amount=amount)
    assert rules(airline, [auth(user_id), send]) == set()
    assert rules(airline, [auth(user_id), send, send]) == {"compensation"}
    wrong = call("send_certificate", user_id=user_id, amount=amount + 1)
    assert rules(airline, [auth(user_id), wrong]) == {"compensation"}
    regular = next(u for u in db.users if not compensation_amounts(db, u))
    none = call("send_certificate", user_id=regular, amount=100)
    assert rules(airline, [auth(regular), none]) == {"compensation"}


def test_after_transfer(airline: Environment) -> None:
    user_id = next(iter(airline.db.users))
    transfer = call("transfer_to_human_agents", summary="Wants an exception.", user_id=user_id)
    assert rules(airline, [auth(user_id), transfer]) == set()
    assert rules(airline, [auth(user_id), transfer, auth(user_id)]) == {"after_transfer"}


def test_reachable_guards_irreversible_transitions(airline: Environment) -> None:
    db = airline.db
    active = open_reservation(db)
    cancelled = reservation(db, lambda r: r["status"] == "cancelled")
    past = reservation(
        db, lambda r: r["flights"][0]["date"] < TODAY.isoformat() and r["status"] == "active"
    )
    assert DOMAIN.reachable("reservations", None, active)
    assert DOMAIN.reachable("reservations", active, {**active, "status": "cancelled"})
    assert not DOMAIN.reachable("reservations", cancelled, {**cancelled, "status": "active"})
    assert not DOMAIN.reachable("reservations", active, None)
    moved = [{**past["flights"][0], "date": "2026-04-29"}, *past["flights"][1:]]
    assert not DOMAIN.reachable("reservations", past, {**past, "flights": moved})
    assert DOMAIN.reachable("reservations", past, {**past, "total_baggages": 9})
    assert not DOMAIN.reachable("transfers", {"status": "queued"}, None)
    assert DOMAIN.reachable("users", {"a": 1}, {"a": 2})


def test_consequential_writes_need_the_users_confirmation(airline: Environment) -> None:
    from apigen.env import protocol
    from apigen.types import Message

    r = open_reservation(airline.db, lambda r: r["cabin"] == "business")
    cancel = ToolCall(
        name="cancel_reservation",
        arguments={"reservation_id": r["reservation_id"], "reason": "other"},
        id="c1",
    )
    asked = Message(
        role="assistant",
        content=protocol.confirmation_request(f"cancel reservation {r['reservation_id']}"),
    )

    def violations(answer: str) -> set[str]:
        box = airline.sandbox()
        box.call(auth(r["user_id"]))
        said = [Message(role="user", content="Hi"), asked, Message(role="user", content=answer)]
        return {v.rule for v in box.policy_violations(cancel, said)}

    assert violations(protocol.AGREE) == set()
    assert violations("Wait, what is the refund first?") == {"confirm_before_write"}
    assert violations(protocol.DECLINE) == {"confirm_before_write"}
    handoff = call("transfer_to_human_agents", summary="Wants an exception.")
    box = airline.sandbox()
    assert box.policy_violations(handoff, [Message(role="user", content="A human, please.")]) == []
