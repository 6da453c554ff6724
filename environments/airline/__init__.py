"""The airline domain: a reservations desk over a seeded flight schedule.

Contract
--------
``DOMAIN`` (an :class:`Airline`, name ``"airline"``) is what the registry loads.

- **State** (``build_state(seed, scale)``): tables ``airports`` (24), ``flights``
  (300 flights × 30 dates = 9,000 flight-date entries with status, seats and
  prices per cabin), ``users`` (500 per scale unit: membership tier, payment
  methods, saved passengers), ``reservations`` (2,000 per scale unit) and
  ``transfers``. Scale-1 entities are identical at every scale; scale 1 builds in
  well under a second.
- **Tools** (14): 7 reads (user details, reservation details, airports, flight
  status, direct and one-stop search, calculator) and 7 writes (book, cancel,
  update flights, passengers or bags, send a certificate, transfer to a human).
  Tools enforce integrity only and raise :class:`apigen.env.ToolFailure`.
- **Policy**: ``policy.md`` (the agent's system prompt) and its rules as code in
  ``POLICY_CHECKS`` (rule ids: ``auth_before_access``, ``single_user``,
  ``own_payment_method``, ``booking_payment``, ``max_passengers``,
  ``unflown_only``, ``cancel_eligibility``, ``basic_economy_fixed``,
  ``same_route``, ``baggage_allowance``, ``bags_only_added``, ``compensation``,
  ``after_transfer``, and from the rules library ``confirm_before_write``,
  ``one_call_at_a_time`` and the unsound ``confirmation_names_action``).
- **Declarations**: every write but the hand-off needs a confirmation
  (``confirm=True``); ``transfer_to_human_agents`` hands off (its ``summary`` is
  free text); ``get_user_details`` authenticates (the user gives their user id).
- **Framing**: a traveller talking to an airline's reservations agent (``USER`` /
  ``AGENT`` in transcripts).
- **Sampler** (``sample_task(db, rng, writes)``): grounds write tools in one
  user's data by calling the real tools in a scratch sandbox.
- **Irreversible**: a cancelled reservation stays cancelled, a reservation is
  never deleted, a flown segment never changes, a transfer stays queued.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apigen.env import DB, Comparison, Domain, Framing, TaskSketch
from environments._shared import extends
from environments.airline._common import TODAY
from environments.airline._data import build_state
from environments.airline._policy import POLICY_CHECKS
from environments.airline._reads import READ_TOOLS
from environments.airline._sampler import sample_task
from environments.airline._writes import WRITE_TOOLS

__all__ = ["DOMAIN", "POLICY_CHECKS", "Airline"]


_WRITTEN_AFTER_BOOKING = frozenset(
    {
        "status",
        "cancel_reason",
        "flights",
        "cabin",
        "passengers",
        "total_baggages",
        "nonfree_baggages",
        "payment_history",
    }
)
"""Reservation fields a tool changes after the booking; no tool writes the others
(owner, route, trip type, insurance, creation time)."""


def _flown_segments(record: Any) -> list[Any]:
    """Segments dated before today: the tools never change them."""
    return [s for s in record.get("flights", ()) if s["date"] < TODAY.isoformat()]


class Airline(Domain):
    """An airline's reservations desk: users, reservations, a flight schedule and a policy."""

    name = "airline"
    description = (
        "Airline reservations desk: look up users, reservations and flights; book, "
        "change, cancel reservations, update passengers and bags, compensate."
    )
    tools = (*READ_TOOLS, *WRITE_TOOLS)
    policy = (Path(__file__).parent / "policy.md").read_text(encoding="utf-8")
    policy_checks = POLICY_CHECKS
    forbidden_successions = (
        ("transfer_to_human_agents", "*"),
        ("send_certificate", "send_certificate"),
    )
    comparison = Comparison(
        {
            "reservations": {"cancel_reason": "text"},
            "transfers": {"user_id": "optional"},
        }
    )
    """Reasons are enumerations the agent may capitalise; the hand-off's ``user_id``
    is an optional argument."""
    framing = Framing(
        user="a traveller who flies with Skylark Airways",
        agent="an airline's reservations agent",
        user_label="USER",
        agent_label="AGENT",
        generator_notes=(
            "Tasks are requests of one user about their own profile and reservations: "
            "book, change flights, cabin, passengers or bags, cancel, or complain about a "
            "cancelled or delayed flight; the user identifies by user id."
        ),
    )

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        return build_state(seed, scale)

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        return sample_task(self, db, rng, writes)

    def reachable(self, table: str, current: Any, target: Any) -> bool:
        """Irreversible transitions: a cancelled reservation stays cancelled and is
        never deleted, a segment dated before today never changes (the flight-change
        tool keeps it), a payment history only grows, a field set at booking (route,
        trip type, insurance…) never changes, a transfer stays."""
        if current is None or self.comparison.same(table, current, target):
            return True
        if table == "transfers":
            return False
        if table == "reservations":
            if target is None or current.get("status") == "cancelled":
                return False
            if not extends(current, target, "payment_history"):
                return False
            fields = self.comparison.differing(table, current, target)
            if any(f not in _WRITTEN_AFTER_BOOKING for f in fields):
                return False
            kept = target.get("flights", ())
            return all(s in kept for s in _flown_segments(current))
        return True


DOMAIN = Airline()
