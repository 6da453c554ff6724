"""Deterministic generation of the airline state.

``build_state(seed, scale)`` returns tables keyed by id:

- ``airports``: 24 airports ``{code, city}`` (independent of ``scale``);
- ``flights``: 300 scheduled flights ``{flight_number, origin, destination,
  departure_time, arrival_time, dates}``, where ``dates`` holds, for each of the 30
  days in :data:`~environments.airline._common.DATES`, ``{status, available_seats,
  prices}`` per cabin (9,000 flight-date entries; independent of ``scale``). A date
  before today has flown (``landed``) or was ``cancelled``; today's flights are
  ``landed``, ``flying``, ``on time``, ``delayed`` or ``cancelled``; later ones are
  ``available`` (bookable) or ``cancelled``;
- ``users``: name, email, date of birth, address, membership tier (regular, silver,
  gold), payment methods (credit cards, gift cards with a balance, travel
  certificates with an amount), saved passengers, reservation ids;
- ``reservations``: route, trip type, cabin, segments with their price per
  passenger, passengers, payment history, creation time, checked bags, insurance,
  status (``active`` or ``cancelled``);
- ``transfers``: hand-offs to human agents (empty at first).

The population comes in blocks of 500 users and 2,000 reservations. Block 0 is
drawn from ``Random(seed)`` right after the schedule; block ``k`` from its own
derived RNG, so the entities of scale 1 are identical at every scale.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from typing import Any

from apigen.env import freeze
from environments.airline._catalog import AIRPORTS, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES
from environments.airline._common import CABINS, DATES, FREE_BAGS, INSURANCE_FEE, NOW, TODAY

__all__ = ["BLOCK_RESERVATIONS", "BLOCK_USERS", "FLIGHTS", "build_state"]

BLOCK_USERS = 500
BLOCK_RESERVATIONS = 2000
FLIGHTS = 300
_HUBS = ("DEN", "ORD", "ATL", "DFW", "JFK", "LAX", "SEA")
_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_STREETS = ("Maple Avenue", "Harbor Road", "Juniper Lane", "Summit Drive", "Riverside Way")
_NOW = datetime.fromisoformat(NOW)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _distance_km(a: tuple[str, str, float, float], b: tuple[str, str, float, float]) -> float:
    lat = math.radians((a[2] + b[2]) / 2)
    dy = (a[2] - b[2]) * 111.0
    dx = (a[3] - b[3]) * 111.0 * math.cos(lat)
    return math.hypot(dx, dy)


def _status(rng: random.Random, day: str, departure: int, arrival: int) -> str:
    today = TODAY.isoformat()
    if day < today:
        return "cancelled" if rng.random() < 0.03 else "landed"
    if day == today:
        roll = rng.random()
        if departure < _minutes(NOW[11:16]):
            if roll < 0.03:
                return "cancelled"
            return "landed" if arrival <= _minutes(NOW[11:16]) else "flying"
        return "cancelled" if roll < 0.07 else "delayed" if roll < 0.25 else "on time"
    limit = 0.06 if day == (TODAY + timedelta(days=1)).isoformat() else 0.015
    return "cancelled" if rng.random() < limit else "available"


def _schedule(rng: random.Random) -> dict[str, Any]:
    """300 flights: pairs of opposite flights between airports, biased towards hubs."""
    by_code = {a[0]: a for a in AIRPORTS}
    codes = [a[0] for a in AIRPORTS]
    numbers = rng.sample(range(100, 1000), FLIGHTS)
    flights: dict[str, Any] = {}
    while len(flights) < FLIGHTS:
        a = rng.choice(_HUBS) if rng.random() < 0.6 else rng.choice(codes)
        b = rng.choice([c for c in codes if c != a])
        km = _distance_km(by_code[a], by_code[b])
        duration = 5 * round((30 + km / 13.3) / 5)
        base = 45 + 0.11 * km
        for origin, destination in ((a, b), (b, a)):
            departure = 5 * rng.randrange(60, (23 * 60 + 30 - duration) // 5)
            number = f"SK{numbers[len(flights)]}"
            dates = {}
            for day in DATES:
                economy = round(base * rng.uniform(0.8, 1.25))
                dates[day] = {
                    "status": _status(rng, day, departure, departure + duration),
                    "available_seats": {
                        "basic_economy": rng.choice((0, rng.randint(1, 12))),
                        "economy": rng.randint(0, 60),
                        "business": rng.choice((0, rng.randint(1, 16))),
                    },
                    "prices": {
                        "basic_economy": round(economy * 0.75),
                        "economy": economy,
                        "business": round(economy * rng.uniform(2.4, 3.2)),
                    },
                }
            flights[number] = {
                "flight_number": number,
                "origin": origin,
                "destination": destination,
                "departure_time": _clock(departure),
                "arrival_time": _clock(departure + duration),
                "dates": dates,
            }
    return flights


class _Ids:
    """Unique random identifiers of fixed shape."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, rng: random.Random, make: Any) -> str:
        while True:
            key = str(make(rng))
            if key not in self.used:
                self.used.add(key)
                return key


def _digits(prefix: str, n: int) -> Any:
    return lambda rng: f"{prefix}{rng.randrange(10 ** (n - 1), 10**n)}"


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(_ID_CHARS) for _ in range(6))


def _person(rng: random.Random, oldest: int = 1948, youngest: int = 2008) -> dict[str, str]:
    born = date(rng.randint(oldest, youngest), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "dob": born.isoformat(),
    }


def _user(rng: random.Random, ids: _Ids) -> dict[str, Any]:
    person = _person(rng, youngest=2004)
    first, last = person["first_name"], person["last_name"]
    user_id = ids.new(rng, _digits(f"{first}_{last}_".lower(), 4))
    methods: dict[str, Any] = {}
    for _ in range(rng.choices((0, 1, 2), (15, 65, 20))[0]):
        pid = ids.new(rng, _digits("credit_card_", 7))
        methods[pid] = {
            "id": pid,
            "source": "credit_card",
            "brand": rng.choice(("visa", "mastercard", "amex")),
            "last_four": f"{rng.randrange(10000):04d}",
        }
    if rng.random() < 0.45 or not methods:
        pid = ids.new(rng, _digits("gift_card_", 7))
        methods[pid] = {"id": pid, "source": "gift_card", "amount": rng.randint(20, 500)}
    if rng.random() < 0.3:
        pid = ids.new(rng, _digits("certificate_", 7))
        methods[pid] = {"id": pid, "source": "certificate", "amount": rng.choice((100, 150, 250))}
    city = rng.choice(AIRPORTS)[1]
    saved = rng.choices(range(4), (30, 35, 25, 10))[0]
    return {
        "user_id": user_id,
        "name": {"first_name": first, "last_name": last},
        "email": f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}".lower(),
        "dob": person["dob"],
        "address": {
            "address1": f"{rng.randint(10, 9900)} {rng.choice(_STREETS)}",
            "city": city,
            "country": "USA",
            "zip": f"{rng.randrange(10000, 99999)}",
        },
        "membership": rng.choices(("regular", "silver", "gold"), (50, 30, 20))[0],
        "payment_methods": methods,
        "saved_passengers": [_person(rng) for _ in range(saved)],
        "reservations": [],
    }


class _Routes:
    """Flights by origin, for drawing itineraries."""

    def __init__(self, flights: dict[str, Any]) -> None:
        self.flights = flights
        self.numbers = sorted(flights)
        self.out: dict[str, list[str]] = {}
        for number in self.numbers:
            self.out.setdefault(flights[number]["origin"], []).append(number)

    def connect(self, rng: random.Random, first: str, end: str | None) -> str | None:
        """A flight leaving ``first``'s destination at least an hour after it lands
        (to ``end`` when given), never back to ``first``'s origin."""
        leg = self.flights[first]
        ready = _minutes(leg["arrival_time"]) + 60
        options = [
            n
            for n in self.out[leg["destination"]]
            if _minutes(self.flights[n]["departure_time"]) >= ready
            and self.flights[n]["destination"] != leg["origin"]
            and (end is None or self.flights[n]["destination"] == end)
        ]
        return rng.choice(options) if options else None

    def legs(self, rng: random.Random, origin: str, end: str | None) -> list[str] | None:
        """Direct or one-stop flight numbers from ``origin`` (to ``end`` when given)."""
        direct = [
            n for n in self.out[origin] if end is None or self.flights[n]["destination"] == end
        ]
        if direct and (end is not None or rng.random() < 0.7):
            return [rng.choice(direct)]
        for first in rng.sample(self.out[origin], len(self.out[origin])):
            second = self.connect(rng, first, end)
            if second is not None:
                return [first, second]
        return None


def _reservation(
    rng: random.Random, ids: _Ids, routes: _Routes, user: dict[str, Any]
) -> dict[str, Any]:
    flights = routes.flights
    while True:
        origin = rng.choice(sorted(routes.out))
        outbound = routes.legs(rng, origin, None)
        if outbound is None:
            continue
        destination = flights[outbound[-1]]["destination"]
        day = rng.randrange(len(DATES) - 1)
        segments = [(n, DATES[day]) for n in outbound]
        trip = "one_way"
        if rng.random() < 0.45:
            back = routes.legs(rng, destination, origin)
            if back is not None:
                back_day = min(len(DATES) - 1, day + rng.randint(1, 6))
                segments += [(n, DATES[back_day]) for n in back]
                trip = "round_trip"
        break
    cabin = rng.choices(CABINS, (25, 50, 25))[0]
    count = rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0]
    passengers = [
        {
            "first_name": user["name"]["first_name"],
            "last_name": user["name"]["last_name"],
            "dob": user["dob"],
        }
    ]
    saved = list(user["saved_passengers"])
    while len(passengers) < count:
        passengers.append(saved.pop(0) if saved else _person(rng))
    allowance = FREE_BAGS[user["membership"]][cabin] * count
    total_bags = rng.randint(0, allowance + 1)
    nonfree = max(0, total_bags - allowance)
    insurance = rng.random() < 0.35
    legs = [
        {
            "flight_number": n,
            "date": d,
            "origin": flights[n]["origin"],
            "destination": flights[n]["destination"],
            "price": flights[n]["dates"][d]["prices"][cabin],
        }
        for n, d in segments
    ]
    total = sum(s["price"] for s in legs) * count + INSURANCE_FEE * count * insurance + 50 * nonfree
    first = datetime.fromisoformat(f"{segments[0][1]}T{flights[segments[0][0]]['departure_time']}")
    if first > _NOW and rng.random() < 0.06:
        created = _NOW - timedelta(minutes=rng.randint(30, 23 * 60))
    else:
        ago = timedelta(days=rng.randint(1, 45), minutes=rng.randint(0, 1439))
        created = min(first, _NOW) - ago
    payable = [m for m in user["payment_methods"].values() if m["source"] != "certificate"]
    method = rng.choice(payable)
    history = [{"kind": "payment", "payment_id": method["id"], "amount": total}]
    status = "active"
    record: dict[str, Any] = {}
    if rng.random() < 0.06:
        status = "cancelled"
        history.append({"kind": "refund", "payment_id": method["id"], "amount": total})
        record["cancel_reason"] = rng.choice(("change of plans", "health"))
    reservation_id = ids.new(rng, _code)
    return {
        "reservation_id": reservation_id,
        "user_id": user["user_id"],
        "origin": origin,
        "destination": destination,
        "trip_type": trip,
        "cabin": cabin,
        "flights": legs,
        "passengers": passengers,
        "payment_history": history,
        "created_at": created.isoformat(timespec="seconds"),
        "total_baggages": total_bags,
        "nonfree_baggages": nonfree,
        "insurance": insurance,
        "status": status,
        **record,
    }


def _block(rng: random.Random, ids: _Ids, routes: _Routes, tables: dict[str, Any]) -> None:
    users = [_user(rng, ids) for _ in range(BLOCK_USERS)]
    owners = users + [rng.choice(users) for _ in range(BLOCK_RESERVATIONS - BLOCK_USERS)]
    for user in owners:
        reservation = _reservation(rng, ids, routes, user)
        user["reservations"].append(reservation["reservation_id"])
        tables["reservations"][reservation["reservation_id"]] = freeze(reservation)
    for user in users:
        tables["users"][user["user_id"]] = freeze(user)


def build_state(seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
    """The airline state for ``seed`` with ``scale`` blocks of users and reservations."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    rng = random.Random(seed)
    flights = _schedule(rng)
    tables: dict[str, dict[str, Any]] = {
        "airports": {a[0]: freeze({"code": a[0], "city": a[1]}) for a in AIRPORTS},
        "flights": {n: freeze(f) for n, f in flights.items()},
        "users": {},
        "reservations": {},
        "transfers": {},
    }
    ids = _Ids()
    routes = _Routes(flights)
    _block(rng, ids, routes, tables)
    for k in range(1, scale):
        _block(random.Random(f"airline/{seed}/block/{k}"), ids, routes, tables)
    return tables
