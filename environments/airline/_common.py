"""Constants and small helpers shared by the airline tools, checks and sampler."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from environments._shared import cents, dollars, money

__all__ = [
    "BAG_FEE",
    "CABINS",
    "DATES",
    "FLOWN",
    "FREE_BAGS",
    "INSURANCE_FEE",
    "MAX_PASSENGERS",
    "NOW",
    "TODAY",
    "any_flown",
    "cents",
    "dollars",
    "free_bags",
    "money",
    "segment_flown",
]

TODAY = date(2026, 4, 12)
"""The state's "today" (never the wall clock)."""
NOW = f"{TODAY.isoformat()}T14:00:00"
"""The state's current time: flights of today that left before it have flown."""
DATES: tuple[str, ...] = tuple(
    (date(2026, 4, 1) + timedelta(days=d)).isoformat() for d in range(30)
)
"""The 30 days the schedule covers."""

CABINS = ("basic_economy", "economy", "business")
FLOWN = frozenset({"landed", "flying"})
"""Flight-date statuses of a segment that has (or is being) flown: it can never change."""

FREE_BAGS: Mapping[str, Mapping[str, int]] = {
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 4},
}
"""Free checked bags per passenger, by membership tier and cabin."""
BAG_FEE = 50
"""Dollars per checked bag beyond the free allowance."""
INSURANCE_FEE = 30
"""Dollars of travel insurance per passenger."""
MAX_PASSENGERS = 5
"""Passengers one reservation may hold under the policy."""


def free_bags(membership: str, cabin: str, passengers: int) -> int:
    """Free checked bags of a reservation: the per-passenger allowance times passengers."""
    return FREE_BAGS.get(membership, FREE_BAGS["regular"]).get(cabin, 0) * passengers


def segment_flown(db: Any, segment: Mapping[str, Any]) -> bool:
    """Whether the flight of ``segment`` on its date has (or is being) flown."""
    flight = db.flights.get(segment["flight_number"])
    if flight is None:
        return False
    entry = flight["dates"].get(segment["date"])
    return entry is not None and entry["status"] in FLOWN


def any_flown(db: Any, segments: Iterable[Mapping[str, Any]]) -> bool:
    return any(segment_flown(db, s) for s in segments)
