"""Entity aliases and the record shapes airline tools take and return.

The ``Entity`` markers are what the tool graph reads: a tool whose result contains
a ``ReservationId`` can feed any tool taking a ``ReservationId`` parameter.
"""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, ConfigDict

from apigen.env import Entity

__all__ = [
    "AirportCode",
    "Cabin",
    "CancelReason",
    "Certificate",
    "FlightDate",
    "FlightNumber",
    "FlightOption",
    "Passenger",
    "Payment",
    "PaymentId",
    "PaymentMethod",
    "Reservation",
    "ReservationId",
    "Segment",
    "TripType",
    "UserDetails",
    "UserId",
]

UserId = Annotated[str, Entity("user_id")]
ReservationId = Annotated[str, Entity("reservation_id")]
FlightNumber = Annotated[str, Entity("flight_number")]
AirportCode = Annotated[str, Entity("airport")]
PaymentId = Annotated[str, Entity("payment_id")]

Cabin = Literal["basic_economy", "economy", "business"]
TripType = Literal["one_way", "round_trip"]
CancelReason = Literal[
    "change of plans", "flight cancelled by airline", "health", "weather", "other"
]


class _Argument(BaseModel):
    """A record a tool takes as an argument (a model, so its ``Entity`` fields count)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Passenger(_Argument):
    first_name: str
    last_name: str
    dob: str


class FlightDate(_Argument):
    """A flight on a date, as a booking or a change names it."""

    flight_number: FlightNumber
    date: str


class Payment(_Argument):
    """An amount paid with one payment method."""

    payment_id: PaymentId
    amount: float


class PaymentMethod(TypedDict):
    id: PaymentId
    source: Literal["credit_card", "gift_card", "certificate"]
    brand: NotRequired[str]
    last_four: NotRequired[str]
    amount: NotRequired[float]


class UserDetails(TypedDict):
    user_id: UserId
    name: dict[str, str]
    email: str
    dob: str
    address: dict[str, str]
    membership: Literal["regular", "silver", "gold"]
    payment_methods: dict[PaymentId, PaymentMethod]
    saved_passengers: list[dict[str, str]]
    reservations: list[ReservationId]


class Segment(TypedDict):
    flight_number: FlightNumber
    date: str
    origin: AirportCode
    destination: AirportCode
    price: float


class Reservation(TypedDict):
    reservation_id: ReservationId
    user_id: UserId
    origin: AirportCode
    destination: AirportCode
    trip_type: TripType
    cabin: Cabin
    flights: list[Segment]
    passengers: list[dict[str, str]]
    payment_history: list[dict[str, object]]
    created_at: str
    total_baggages: int
    nonfree_baggages: int
    insurance: bool
    status: Literal["active", "cancelled"]
    cancel_reason: NotRequired[str]


class FlightOption(TypedDict):
    """One bookable flight on a date: schedule, status, seats and prices per cabin."""

    flight_number: FlightNumber
    date: str
    origin: AirportCode
    destination: AirportCode
    departure_time: str
    arrival_time: str
    status: str
    available_seats: dict[str, int]
    prices: dict[str, float]


class Certificate(TypedDict):
    id: PaymentId
    source: Literal["certificate"]
    amount: float
    user_id: UserId
