"""One planner per write tool: ``(Scratch) -> WriteStep | None``.

A planner picks entities that allow its write in the scratch sandbox's current
state, makes the reads an agent needs and the write itself there (through
:meth:`Scratch.run`: real tools, real policy), and words the request the way the
user would. Amounts the agent must tell are read from the tools' results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apigen.env import WriteStep
from apigen.types import ToolCall, ToolExecution
from environments.airline._common import (
    BAG_FEE,
    DATES,
    INSURANCE_FEE,
    TODAY,
    any_flown,
    cents,
    free_bags,
    money,
)
from environments.airline._policy import cancel_allowed, compensation_amounts

if TYPE_CHECKING:
    from environments.airline._sampler import Scratch

__all__ = ["PLANNERS", "describe_payment"]

_FUTURE = [d for d in DATES if d > TODAY.isoformat()]
_CABIN_WORDS = {"basic_economy": "basic economy", "economy": "economy", "business": "business"}


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def describe_payment(method: Any) -> str:
    """How a user names a payment method: ``"Visa card ending in 4821"``."""
    if method["source"] == "credit_card":
        return f"{method['brand'].title()} card ending in {method['last_four']}"
    kind = "gift card" if method["source"] == "gift_card" else "travel certificate"
    return f"{kind} {method['id']}"


def _people(passengers: Any) -> str:
    return ", ".join(f"{p['first_name']} {p['last_name']} (born {p['dob']})" for p in passengers)


def _legs(flights: Any) -> str:
    return ", ".join(f"{f['flight_number']} on {f['date']}" for f in flights)


def _new_money(before: Any, after: Any, kind: str) -> int:
    """Cents of ``kind`` entries the write added to a reservation's payment history."""
    added = list(after["payment_history"])[len(before["payment_history"]) :]
    return sum(cents(e["amount"]) for e in added if e["kind"] == kind)


def _payers(plan: Scratch, amount: int, *, certificates: bool = False) -> list[Any]:
    """The user's methods that can pay ``amount`` cents (cards always, balances if enough)."""
    out = []
    for m in plan.user["payment_methods"].values():
        if m["source"] == "certificate" and not certificates:
            continue
        if m["source"] == "credit_card" or amount <= cents(m["amount"]):
            out.append(m)
    return sorted(out, key=lambda m: m["id"])


def _open(plan: Scratch, ok: Callable[[Any], bool] = lambda r: True) -> list[Any]:
    """Active reservations of the user with nothing flown, passing ``ok``."""
    return [r for r in plan.reservations() if not any_flown(plan.db, r["flights"]) and ok(r)]


def _pick_open(
    plan: Scratch, ok: Callable[[Any], bool] = lambda r: True
) -> tuple[Any, str, ToolCall] | None:
    """A random open reservation passing ``ok``, its id and the read that shows it."""
    options = _open(plan, ok)
    if not options:
        return None
    reservation = plan.rng.choice(options)
    rid = str(reservation["reservation_id"])
    return reservation, rid, _read_reservation(plan, rid)


def _read_reservation(plan: Scratch, reservation_id: str) -> ToolCall:
    plan.touch(reservation_id)
    call = _call("get_reservation_details", reservation_id=reservation_id)
    plan.run(call.name, **call.arguments)
    return call


def _search(plan: Scratch, origin: str, destination: str, date: str) -> tuple[ToolCall, list[Any]]:
    call = _call("search_direct_flight", origin=origin, destination=destination, date=date)
    found = plan.run(call.name, **call.arguments)
    return call, list(found.output) if found is not None else []


def _with_seats(options: list[Any], cabin: str, seats: int) -> list[Any]:
    return [o for o in options if o["available_seats"][cabin] >= seats]


def plan_book(plan: Scratch) -> WriteStep | None:
    rng, db = plan.rng, plan.db
    day = rng.choice(_FUTURE[:-3])
    starts = [f for f in db.flights.values() if f["dates"][day]["status"] == "available"]
    flight = rng.choice(sorted(starts, key=lambda f: f["flight_number"]))
    origin, destination = flight["origin"], flight["destination"]
    saved = list(plan.user["saved_passengers"])
    name = plan.user["name"]
    people = [{**name, "dob": plan.user["dob"]}]
    people += rng.sample(saved, rng.randint(0, min(2, len(saved))))
    cabin = rng.choices(("basic_economy", "economy", "business"), (25, 50, 25))[0]
    search, options = _search(plan, origin, destination, day)
    options = _with_seats(options, cabin, len(people))
    if not options:
        return None
    chosen, reads = [rng.choice(options)], [search]
    trip = "one_way"
    if rng.random() < 0.4:
        back_day = DATES[min(DATES.index(day) + rng.randint(2, 5), len(DATES) - 1)]
        back, returns = _search(plan, destination, origin, back_day)
        returns = _with_seats(returns, cabin, len(people))
        if returns:
            chosen.append(rng.choice(returns))
            reads.append(back)
            trip = "round_trip"
    allowance = free_bags(plan.user["membership"], cabin, len(people))
    bags = rng.randint(0, allowance + 1)
    nonfree = max(0, bags - allowance)
    insurance = rng.random() < 0.4
    total = (
        sum(cents(o["prices"][cabin]) for o in chosen) * len(people)
        + cents(INSURANCE_FEE) * len(people) * insurance
        + cents(BAG_FEE) * nonfree
    )
    payments = _booking_payments(plan, total)
    if payments is None:
        return None
    if nonfree:
        reads.append(_calculate(plan, f"{bags} - {allowance}"))
    fares = " + ".join(f"{o['prices'][cabin]:g}" for o in chosen)
    expression = f"({fares}) * {len(people)}"
    if insurance:
        expression += f" + {INSURANCE_FEE} * {len(people)}"
    if nonfree:
        expression += f" + {BAG_FEE} * {nonfree}"
    reads.append(_calculate(plan, expression))
    if len(payments) > 1:
        reads.append(_calculate(plan, f"{total / 100:g} - {payments[0][1] / 100:g}"))
    flights = [{"flight_number": o["flight_number"], "date": o["date"]} for o in chosen]
    done = plan.run(
        "book_reservation",
        user_id=plan.user_id,
        origin=origin,
        destination=destination,
        trip_type=trip,
        cabin=cabin,
        flights=flights,
        passengers=people,
        payment_methods=[{"payment_id": m["id"], "amount": a / 100} for m, a in payments],
        total_baggages=bags,
        nonfree_baggages=nonfree,
        insurance=insurance,
    )
    if done is None:
        return None
    plan.touch(done.output["reservation_id"])
    trip_words = "round-trip" if trip == "round_trip" else "one-way"
    pay = " and ".join(
        f"your {describe_payment(m)}" + (f" (${a / 100:g})" if len(payments) > 1 else "")
        for m, a in payments
    )
    intent = (
        f"book a {trip_words} {_CABIN_WORDS[cabin]} trip from {origin} to {destination} on "
        f"flights {_legs(flights)} for {_people(people)}, with {bags} checked bags in total, "
        f"{'with' if insurance else 'without'} travel insurance, paying with {pay}"
    )
    return WriteStep(
        call=done.call,
        intent=intent,
        reads=tuple(reads),
        facts={"flights": _legs(flights), "cabin": _CABIN_WORDS[cabin]},
        outputs=(money(total),),
    )


def _calculate(plan: Scratch, expression: str) -> ToolCall:
    """The calculator read an agent makes to get an amount it passes on."""
    call = _call("calculate", expression=expression)
    plan.run(call.name, **call.arguments)
    return call


def _booking_payments(plan: Scratch, total: int) -> list[tuple[Any, int]] | None:
    """One credit card, one gift card covering it, or a certificate plus a card."""
    rng = plan.rng
    methods = _payers(plan, 0, certificates=True)
    cards = [m for m in methods if m["source"] == "credit_card"]
    covering = [m for m in _payers(plan, total) if m["source"] == "gift_card"]
    certs = [m for m in methods if m["source"] == "certificate" and cents(m["amount"]) < total]
    choices: list[list[tuple[Any, int]]] = []
    choices += [[(c, total)] for c in cards]
    choices += [[(g, total)] for g in covering]
    if certs and cards:
        cert, card = rng.choice(certs), rng.choice(cards)
        choices.append([(cert, cents(cert["amount"])), (card, total - cents(cert["amount"]))])
    return rng.choice(choices) if choices else None


def _cancel_reason(plan: Scratch, reservation: Any) -> str | None:
    reasons = ["flight cancelled by airline", "change of plans", "health", "weather", "other"]
    plan.rng.shuffle(reasons)
    for reason in reasons:
        if cancel_allowed(plan.db, reservation, reason) is None:
            return reason
    return None


def plan_cancel(plan: Scratch) -> WriteStep | None:
    options = [(r, why) for r in _open(plan) if (why := _cancel_reason(plan, r)) is not None]
    if not options:
        return None
    reservation, reason = plan.rng.choice(options)
    rid = reservation["reservation_id"]
    read = _read_reservation(plan, rid)
    done = plan.run("cancel_reservation", reservation_id=rid, reason=reason)
    if done is None:
        return None
    refund = _new_money(reservation, done.output, "refund")
    plan.answers[f"reason for cancelling {rid}"] = reason
    route = f"{reservation['origin']} to {reservation['destination']}"
    return WriteStep(
        call=done.call,
        intent=f"cancel reservation {rid} ({route}) for this reason: {reason}",
        reads=(read,),
        facts={"reservation_id": rid, "reason": reason},
        outputs=(money(refund),) if refund else (),
    )


def _changeable(r: Any) -> bool:
    return r["cabin"] != "basic_economy"


def _direct(r: Any) -> bool:
    """One direct flight each way: a change moves the last one."""
    return len(r["flights"]) == (1 if r["trip_type"] == "one_way" else 2)


def plan_change_flights(plan: Scratch) -> WriteStep | None:
    rng = plan.rng
    picked = _pick_open(plan, _changeable)
    if picked is None:
        return None
    reservation, rid, read = picked
    cabin, seats = reservation["cabin"], len(reservation["passengers"])
    flights = [
        {"flight_number": s["flight_number"], "date": s["date"]} for s in reservation["flights"]
    ]
    reads: list[ToolCall] = [read]
    new_cabin = cabin
    if cabin == "economy" and (rng.random() < 0.35 or not _direct(reservation)):
        new_cabin = "business"
        what = f"upgrade reservation {rid} to business class on the same flights"
    elif _direct(reservation):
        first, last = reservation["flights"][0], reservation["flights"][-1]
        days = [d for d in _FUTURE if d >= first["date"] and d != last["date"]]
        if not days:
            return None
        day = rng.choice(days)
        search, found = _search(plan, last["origin"], last["destination"], day)
        found = _with_seats(found, cabin, seats)
        if not found:
            return None
        pick = rng.choice(found)
        reads.append(search)
        flights[-1] = {"flight_number": pick["flight_number"], "date": day}
        leg = "return flight" if reservation["trip_type"] == "round_trip" else "flight"
        what = (
            f"move the {leg} of reservation {rid} from {last['flight_number']} on "
            f"{last['date']} to {pick['flight_number']} on {day}, same cabin"
        )
    else:
        return None
    for method in rng.sample(_payers(plan, 0), len(_payers(plan, 0))):
        done = plan.run(
            "update_reservation_flights",
            reservation_id=rid,
            cabin=new_cabin,
            flights=flights,
            payment_id=method["id"],
        )
        if done is not None:
            break
    else:
        return None
    charged = _new_money(reservation, done.output, "payment")
    refunded = _new_money(reservation, done.output, "refund")
    settle = f"settling any price difference with your {describe_payment(method)}"
    plan.answers[f"payment method for the difference on {rid}"] = describe_payment(method)
    return WriteStep(
        call=done.call,
        intent=f"{what}, {settle}",
        reads=tuple(reads),
        facts={"reservation_id": rid, "flights": _legs(flights)},
        outputs=(money(charged or refunded),) if charged or refunded else (),
    )


def plan_passengers(plan: Scratch) -> WriteStep | None:
    rng = plan.rng
    picked = _pick_open(plan)
    if picked is None:
        return None
    reservation, rid, read = picked
    people = [dict(p) for p in reservation["passengers"]]
    k = rng.randrange(len(people))
    old = people[k]
    saved = [p for p in plan.user["saved_passengers"] if dict(p) not in people]
    if saved and k > 0 and rng.random() < 0.5:
        people[k] = dict(rng.choice(saved))
        what = (
            f"replace passenger {old['first_name']} {old['last_name']} with {_people([people[k]])}"
        )
    else:
        year, rest = old["dob"][:4], old["dob"][4:]
        people[k] = {**old, "dob": f"{int(year) + rng.choice((-1, 1))}{rest}"}
        what = (
            f"correct the date of birth of passenger {old['first_name']} {old['last_name']} "
            f"to {people[k]['dob']}"
        )
    done = plan.run("update_reservation_passengers", reservation_id=rid, passengers=people)
    if done is None:
        return None
    return WriteStep(
        call=done.call,
        intent=f"on reservation {rid}, {what}",
        reads=(read,),
        facts={"reservation_id": rid},
    )


def plan_bags(plan: Scratch) -> WriteStep | None:
    rng = plan.rng
    picked = _pick_open(plan)
    if picked is None:
        return None
    reservation, rid, read = picked
    added = rng.randint(1, 2)
    total = reservation["total_baggages"] + added
    free = free_bags(plan.user["membership"], reservation["cabin"], len(reservation["passengers"]))
    nonfree = max(0, total - free)
    fee = cents(BAG_FEE) * (nonfree - reservation["nonfree_baggages"])
    reads = [read]
    if nonfree:
        reads.append(_calculate(plan, f"{total} - {free}"))
    payers = _payers(plan, fee)
    if not payers:
        return None
    method = rng.choice(payers)
    done = plan.run(
        "update_reservation_baggages",
        reservation_id=rid,
        total_baggages=total,
        nonfree_baggages=nonfree,
        payment_id=method["id"],
    )
    if done is None:
        return None
    charged = _new_money(reservation, done.output, "payment")
    bags = "bag" if added == 1 else "bags"
    return WriteStep(
        call=done.call,
        intent=(
            f"add {added} checked {bags} to reservation {rid} ({total} in total), paying any "
            f"fee with your {describe_payment(method)}"
        ),
        reads=tuple(reads),
        facts={"reservation_id": rid, "total_baggages": str(total)},
        outputs=(money(charged),) if charged else (),
    )


def plan_certificate(plan: Scratch) -> WriteStep | None:
    db, rng = plan.db, plan.rng
    allowed = compensation_amounts(db, plan.user_id)
    found = []
    for r in plan.reservations():
        for s in r["flights"]:
            status = db.flights[s["flight_number"]]["dates"][s["date"]]["status"]
            amount = {"cancelled": 100, "delayed": 50}.get(status, 0) * len(r["passengers"])
            if amount in allowed:
                found.append((r, s, status, amount))
    if not found:
        return None
    reservation, segment, status, amount = rng.choice(found)
    rid = reservation["reservation_id"]
    reads = [_read_reservation(plan, rid)]
    status_call = _call(
        "get_flight_status", flight_number=segment["flight_number"], date=segment["date"]
    )
    plan.run(status_call.name, **status_call.arguments)
    reads.append(status_call)
    per = amount // len(reservation["passengers"])
    reads.append(_calculate(plan, f"{per} * {len(reservation['passengers'])}"))
    done: ToolExecution | None = plan.run("send_certificate", user_id=plan.user_id, amount=amount)
    if done is None:
        return None
    return WriteStep(
        call=done.call,
        intent=(
            f"complain that flight {segment['flight_number']} on {segment['date']} of your "
            f"reservation {rid} was {status}, and accept the compensation the agent offers"
        ),
        reads=tuple(reads),
        facts={"reservation_id": rid, "flight": segment["flight_number"]},
        outputs=(money(amount * 100),),
    )


def plan_transfer(plan: Scratch) -> WriteStep | None:
    stuck = [
        r
        for r in plan.reservations()
        if r["cabin"] == "basic_economy"
        and cancel_allowed(plan.db, r, "change of plans") is not None
        and not any_flown(plan.db, r["flights"])
    ]
    if not stuck:
        return None
    reservation = plan.rng.choice(stuck)
    rid = reservation["reservation_id"]
    read = _read_reservation(plan, rid)
    summary = (
        f"User wants to cancel basic economy reservation {rid}, booked more than 24 hours "
        "ago, for a change of plans; not allowed under the policy."
    )
    done = plan.run("transfer_to_human_agents", summary=summary, user_id=plan.user_id)
    if done is None:
        return None
    return WriteStep(
        call=done.call,
        intent=(
            f"cancel reservation {rid} because your plans changed; when the agent says that "
            "is not possible, insist and ask for a human agent"
        ),
        reads=(read,),
        facts={"reservation_id": rid, "request": f"cancel {rid} for a change of plans"},
    )


PLANNERS: dict[str, Callable[[Scratch], WriteStep | None]] = {
    "book_reservation": plan_book,
    "cancel_reservation": plan_cancel,
    "update_reservation_flights": plan_change_flights,
    "update_reservation_passengers": plan_passengers,
    "update_reservation_baggages": plan_bags,
    "send_certificate": plan_certificate,
    "transfer_to_human_agents": plan_transfer,
}
