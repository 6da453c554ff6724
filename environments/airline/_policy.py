"""Policy checks of the airline domain: the rules of ``policy.md`` as code.

Each check is ``(PolicyContext) -> Iterable[Violation]`` with a stable rule id. A
check sees the state *before* the call and the earlier executions; it never raises
on odd arguments (wrong types, unknown ids): the tool reports those.
Authentication, one user per conversation, own payment methods and the
conversation rules come from the rules library of :mod:`apigen.env`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from apigen.env import (
    PolicyCheck,
    PolicyContext,
    authenticate_first,
    confirm_before_write,
    confirmation_names_action,
    one_call_at_a_time,
    one_user,
    own_records_only,
)
from apigen.types import ToolExecution, Violation
from environments._shared import check_after_transfer
from environments.airline._common import MAX_PASSENGERS, NOW, any_flown, free_bags

__all__ = ["AUTH_FREE_TOOLS", "POLICY_CHECKS", "cancel_allowed", "identified"]

AUTH_FREE_TOOLS = frozenset(
    {
        "list_all_airports",
        "get_flight_status",
        "search_direct_flight",
        "search_onestop_flight",
        "calculate",
    }
)
"""Tools besides the declared authenticating and hand-off ones that an agent may
call before the user is authenticated."""
UNFLOWN_TOOLS = frozenset(
    {"cancel_reservation", "update_reservation_passengers", "update_reservation_baggages"}
)
_NOW = datetime.fromisoformat(NOW)
_FREE_CANCEL = timedelta(hours=24)


def _violation(ctx: PolicyContext, rule: str, message: str) -> Violation:
    return Violation(rule=rule, message=f"{ctx.call.name}: {message}", call_index=ctx.index)


def _arg(ctx: PolicyContext, name: str) -> Any:
    return ctx.call.arguments.get(name)


def _reservation(ctx: PolicyContext) -> Any:
    rid = _arg(ctx, "reservation_id")
    return ctx.db.reservations.get(rid) if isinstance(rid, str) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def identified(execution: ToolExecution) -> str | None:
    """The user whose details a successful authenticating call returned."""
    output = execution.output
    return str(output.get("user_id")) if isinstance(output, dict) else None


def _subject(ctx: PolicyContext) -> str | None:
    """The user the call acts for: its reservation's owner, else its user_id."""
    reservation = _reservation(ctx)
    if reservation is not None:
        return str(reservation["user_id"])
    user_id = _arg(ctx, "user_id")
    return user_id if isinstance(user_id, str) else None


def _subjects(ctx: PolicyContext) -> Iterator[str]:
    """The users a call names or acts on."""
    user_id = _arg(ctx, "user_id")
    if isinstance(user_id, str):
        yield user_id
    reservation = _reservation(ctx)
    if reservation is not None:
        yield str(reservation["user_id"])


def _payment_ids(ctx: PolicyContext) -> list[str]:
    pid = _arg(ctx, "payment_id")
    ids = [pid] if isinstance(pid, str) else []
    return ids + [str(p.get("payment_id")) for p in _dicts(_arg(ctx, "payment_methods"))]


def _foreign_payment(ctx: PolicyContext, owner: str) -> Iterator[str]:
    user = ctx.db.users.get(owner)
    if user is None:
        return
    for pid in _payment_ids(ctx):
        if pid not in user["payment_methods"]:
            yield pid


check_auth_before_access = authenticate_first(identified, AUTH_FREE_TOOLS)
"""User data and changes need an authenticated user."""
check_single_user = one_user(identified, _subjects)
"""One conversation serves one user: no other user's profile or reservations."""
check_own_payment_method = own_records_only(identified, _foreign_payment, _subject)
"""Money only moves to or from the user's own payment methods."""


def check_booking_payment(ctx: PolicyContext) -> Iterator[Violation]:
    """A booking uses at most one certificate, one credit card and two gift cards."""
    if ctx.call.name != "book_reservation":
        return
    counts = {"certificate": 0, "credit_card": 0, "gift_card": 0}
    for pid in _payment_ids(ctx):
        for source in counts:
            counts[source] += pid.startswith(source + "_")
    limits = {"certificate": 1, "credit_card": 1, "gift_card": 2}
    for source, count in counts.items():
        if count > limits[source]:
            yield _violation(
                ctx,
                "booking_payment",
                f"{count} {source.replace('_', ' ')}s; the limit is {limits[source]}",
            )


def check_max_passengers(ctx: PolicyContext) -> Iterator[Violation]:
    """A booking holds at most five passengers."""
    passengers = _arg(ctx, "passengers")
    count = len(passengers) if isinstance(passengers, list) else 0
    if ctx.call.name == "book_reservation" and count > MAX_PASSENGERS:
        yield _violation(ctx, "max_passengers", f"{count} passengers; at most {MAX_PASSENGERS}")


def check_unflown_only(ctx: PolicyContext) -> Iterator[Violation]:
    """A reservation with a flown flight cannot be cancelled, nor its passengers or bags
    changed."""
    reservation = _reservation(ctx)
    if ctx.call.name not in UNFLOWN_TOOLS or reservation is None:
        return
    if any_flown(ctx.db, reservation["flights"]):
        rid = reservation["reservation_id"]
        yield _violation(ctx, "unflown_only", f"a flight of {rid} has already been flown")


def cancel_allowed(db: Any, reservation: Any, reason: str) -> str | None:
    """Why the policy forbids cancelling ``reservation`` for ``reason`` (``None``: allowed)."""
    created = datetime.fromisoformat(reservation["created_at"])
    statuses = [
        db.flights[s["flight_number"]]["dates"][s["date"]]["status"]
        for s in reservation["flights"]
        if s["flight_number"] in db.flights
    ]
    airline_cancelled = "cancelled" in statuses
    if reason == "flight cancelled by airline":
        return None if airline_cancelled else "no flight of the reservation was cancelled"
    if _NOW - created <= _FREE_CANCEL or reservation["cabin"] == "business":
        return None
    if reservation["cabin"] == "basic_economy":
        return "basic economy is cancellable only within 24 hours of booking"
    if reservation["insurance"] and reason in ("health", "weather"):
        return None
    if reservation["insurance"]:
        return f"insurance covers health or weather reasons, not {reason!r}"
    return "booked more than 24 hours ago, economy, without insurance"


def check_cancel_eligibility(ctx: PolicyContext) -> Iterator[Violation]:
    """Cancellation depends on timing, cabin, insurance and reason (policy.md)."""
    reservation = _reservation(ctx)
    reason = _arg(ctx, "reason")
    if ctx.call.name != "cancel_reservation" or reservation is None or not isinstance(reason, str):
        return
    why = cancel_allowed(ctx.db, reservation, reason)
    if why is not None:
        yield _violation(ctx, "cancel_eligibility", why)


def check_basic_economy_fixed(ctx: PolicyContext) -> Iterator[Violation]:
    """Basic economy flights and cabin cannot be changed."""
    reservation = _reservation(ctx)
    if ctx.call.name != "update_reservation_flights" or reservation is None:
        return
    if reservation["cabin"] == "basic_economy":
        rid = reservation["reservation_id"]
        yield _violation(ctx, "basic_economy_fixed", f"{rid} is basic economy")


def check_same_route(ctx: PolicyContext) -> Iterator[Violation]:
    """A flight change keeps the origin, the destination and the trip type."""
    reservation = _reservation(ctx)
    flights = _dicts(_arg(ctx, "flights"))
    if ctx.call.name != "update_reservation_flights" or reservation is None or not flights:
        return
    ends = []
    for f in flights:
        flight = ctx.db.flights.get(str(f.get("flight_number")))
        if flight is None:
            return
        ends.append(flight["destination"])
    origin, destination = reservation["origin"], reservation["destination"]
    one_way = reservation["trip_type"] == "one_way"
    if (one_way and ends[-1] != destination) or (
        not one_way and (ends[-1] != origin or destination not in ends)
    ):
        yield _violation(
            ctx,
            "same_route",
            f"the new flights do not keep the {reservation['trip_type'].replace('_', '-')} "
            f"trip {origin}-{destination}",
        )


def check_baggage_allowance(ctx: PolicyContext) -> Iterator[Violation]:
    """Non-free bags are exactly the bags beyond the membership and cabin allowance."""
    total, nonfree = _arg(ctx, "total_baggages"), _arg(ctx, "nonfree_baggages")
    if not isinstance(total, int) or not isinstance(nonfree, int):
        return
    if ctx.call.name == "book_reservation":
        user = ctx.db.users.get(str(_arg(ctx, "user_id")))
        cabin, passengers = _arg(ctx, "cabin"), _arg(ctx, "passengers")
        count = len(passengers) if isinstance(passengers, list) else 0
    elif ctx.call.name == "update_reservation_baggages":
        reservation = _reservation(ctx)
        if reservation is None:
            return
        user = ctx.db.users.get(reservation["user_id"])
        cabin, count = reservation["cabin"], len(reservation["passengers"])
    else:
        return
    if user is None or not isinstance(cabin, str):
        return
    free = free_bags(user["membership"], cabin, count)
    if nonfree != max(0, total - free):
        yield _violation(
            ctx,
            "baggage_allowance",
            f"{total} bags with {free} free means {max(0, total - free)} non-free, not {nonfree}",
        )


def check_bags_only_added(ctx: PolicyContext) -> Iterator[Violation]:
    """Checked bags can be added but not removed."""
    reservation = _reservation(ctx)
    total = _arg(ctx, "total_baggages")
    if ctx.call.name != "update_reservation_baggages" or reservation is None:
        return
    if isinstance(total, int) and total < reservation["total_baggages"]:
        before = reservation["total_baggages"]
        yield _violation(ctx, "bags_only_added", f"{before} bags cannot become {total}")


def compensation_amounts(db: Any, user_id: str) -> set[int]:
    """Certificate amounts the policy allows for ``user_id`` now: $100 per passenger of
    a reservation with a cancelled flight, $50 per passenger with a delayed one, for a
    silver or gold member or a business or insured reservation."""
    user = db.users.get(user_id)
    if user is None:
        return set()
    amounts = set()
    for rid in user["reservations"]:
        r = db.reservations.get(rid)
        if r is None or r["status"] != "active":
            continue
        if user["membership"] == "regular" and not r["insurance"] and r["cabin"] != "business":
            continue
        statuses = {
            db.flights[s["flight_number"]]["dates"][s["date"]]["status"] for s in r["flights"]
        }
        count = len(r["passengers"])
        if "cancelled" in statuses:
            amounts.add(100 * count)
        if "delayed" in statuses:
            amounts.add(50 * count)
    return amounts


def check_compensation(ctx: PolicyContext) -> Iterator[Violation]:
    """Compensation follows the policy's table, once per conversation."""
    if ctx.call.name != "send_certificate":
        return
    if any(e.call.name == "send_certificate" and e.ok for e in ctx.history):
        yield _violation(ctx, "compensation", "a certificate was already sent in this conversation")
    user_id, amount = _arg(ctx, "user_id"), _arg(ctx, "amount")
    if not isinstance(user_id, str) or not isinstance(amount, int):
        return
    allowed = compensation_amounts(ctx.db, user_id)
    if amount not in allowed:
        shown = ", ".join(f"${a}" for a in sorted(allowed)) or "none"
        yield _violation(ctx, "compensation", f"${amount} is not an allowed amount ({shown})")


POLICY_CHECKS: tuple[PolicyCheck, ...] = (
    check_auth_before_access,
    check_single_user,
    check_own_payment_method,
    check_booking_payment,
    check_max_passengers,
    check_unflown_only,
    check_cancel_eligibility,
    check_basic_economy_fixed,
    check_same_route,
    check_baggage_allowance,
    check_bags_only_added,
    check_compensation,
    check_after_transfer,
    confirm_before_write,
    confirmation_names_action,
    one_call_at_a_time,
)
