"""Reservations and vehicles: what the customer booked, as headquarters sent it to the branch."""

from dataclasses import dataclass
from datetime import datetime

from kiosk.identity.licence import DrivingLicence


@dataclass(frozen=True)
class Vehicle:
    """A car of the branch fleet; ``licence_class_required`` is the class code it needs."""

    vehicle_id: str
    plate: str
    model_zh: str
    model_en: str
    licence_class_required: str
    price_group: str


@dataclass(frozen=True)
class Reservation:
    """A booking waiting for pick-up, with the licence the customer gave when booking.

    Times are timezone-aware, in the branch's zone.
    """

    reservation_no: str
    customer_name: str
    document_number: str
    phone: str
    vehicle: Vehicle
    pickup_at: datetime
    return_at: datetime
    licence: DrivingLicence
    price_list_version: str


@dataclass(frozen=True)
class Branch:
    """The branch and company named on contracts; ``branch_id`` is headquarters' code."""

    branch_id: str
    name_zh: str
    name_en: str
    company_zh: str
    company_en: str
    city_zh: str
    address_zh: str
    phone: str
    timezone: str = "Asia/Shanghai"
