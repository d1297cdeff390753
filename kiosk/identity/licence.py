"""Driving licences (机动车驾驶证): classes, what each class permits, and validity.

Class coverage follows the rules of the Ministry of Public Security on applying for and
using driving licences (Order No. 162, in force since April 2022): a licence permits
its own classes and the further classes listed for them, for example C1 also permits
C2, C3 and C4, while C2 (small automatic car) permits nothing else.
"""

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.checks import Check, Outcome
from kiosk.identity.dates import add_months
from kiosk.messages import Message

ALSO_PERMITS: dict[str, frozenset[str]] = {
    "A1": frozenset({"A3", "B1", "B2", "C1", "C2", "C3", "C4", "M"}),
    "A2": frozenset({"B1", "B2", "C1", "C2", "C3", "C4", "C6", "M"}),
    "A3": frozenset({"C1", "C2", "C3", "C4"}),
    "B1": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "B2": frozenset({"C1", "C2", "C3", "C4", "M"}),
    "C1": frozenset({"C2", "C3", "C4"}),
    "C2": frozenset(),
    "C3": frozenset({"C4"}),
    "C4": frozenset(),
    "C5": frozenset(),
    "C6": frozenset(),
    "D": frozenset({"E", "F"}),
    "E": frozenset({"F"}),
    "F": frozenset(),
    "M": frozenset(),
    "N": frozenset(),
    "P": frozenset(),
}
_CLASS_PATTERN = re.compile(r"A1|A2|A3|B1|B2|C1|C2|C3|C4|C5|C6|D|E|F|M|N|P")
PROBATION_MONTHS = 12


@dataclass(frozen=True)
class DrivingLicence:
    """A licence as recorded at booking or typed by a clerk.

    ``licence_class`` is the class code as printed, possibly several classes together
    ("C1E"). ``valid_to`` is ``None`` for a long-term licence. For Chinese citizens
    the licence number is the identity number.
    """

    number: str
    name: str
    licence_class: str
    first_issue_date: date
    valid_from: date
    valid_to: date | None


def parse_licence_classes(code: str) -> frozenset[str]:
    """Split a printed class code such as "C1E" into classes; raises ``ValueError`` on junk."""
    normalised = code.strip().upper().replace(" ", "")
    classes = _CLASS_PATTERN.findall(normalised)
    if not classes or "".join(classes) != normalised:
        raise ValueError(f"licence class {code!r} is not made of known class codes")
    return frozenset(classes)


def permitted_classes(code: str) -> frozenset[str]:
    """Return every vehicle class a licence with class code ``code`` permits."""
    permitted: set[str] = set()
    for held in parse_licence_classes(code):
        permitted.add(held)
        permitted |= ALSO_PERMITS[held]
    return frozenset(permitted)


def in_probation(licence: DrivingLicence, day: date) -> bool:
    """Return whether ``day`` falls in the 12 months after the licence was first issued (the last day included)."""
    return day <= add_months(licence.first_issue_date, PROBATION_MONTHS)


def check_licence_class(licence: DrivingLicence, vehicle_class: str) -> Check:
    """Check that the licence permits a vehicle that needs ``vehicle_class``."""
    try:
        permitted = permitted_classes(licence.licence_class)
    except ValueError:
        return Check(
            "licence_class",
            Outcome.FAIL,
            Message("驾驶证准驾车型无法识别。", "The licence class is not recognised."),
            {"licence_class": licence.licence_class},
        )

    details = {"licence_class": licence.licence_class, "vehicle_class": vehicle_class}
    if vehicle_class in permitted:
        return Check(
            "licence_class",
            Outcome.PASS,
            Message(
                f"驾驶证准驾车型 {licence.licence_class} 可驾驶本车（需 {vehicle_class}）。",
                f"Licence class {licence.licence_class} permits this vehicle (needs {vehicle_class}).",
            ),
            details,
        )
    return Check(
        "licence_class",
        Outcome.FAIL,
        Message(
            f"驾驶证准驾车型 {licence.licence_class} 不能驾驶本车（需 {vehicle_class}）。",
            f"Licence class {licence.licence_class} does not permit this vehicle (it needs {vehicle_class}).",
        ),
        details,
    )


def check_licence_validity(licence: DrivingLicence, pickup_at: datetime, return_at: datetime) -> Check:
    """Check that the licence is valid from pick-up through the last day of the rental."""
    details = {
        "valid_from": licence.valid_from.isoformat(),
        "valid_to": licence.valid_to.isoformat() if licence.valid_to else "long-term",
        "return_date": return_at.date().isoformat(),
        "in_probation": in_probation(licence, pickup_at.date()),
    }
    if licence.valid_from > pickup_at.date():
        return Check(
            "licence_validity",
            Outcome.FAIL,
            Message("驾驶证在取车时尚未生效。", "The driving licence is not yet valid at pick-up."),
            details,
        )
    if licence.valid_to is not None and licence.valid_to < return_at.date():
        return Check(
            "licence_validity",
            Outcome.FAIL,
            Message(
                f"驾驶证有效期至 {licence.valid_to:%Y-%m-%d}，早于还车日期。",
                f"The driving licence expires on {licence.valid_to:%Y-%m-%d}, before the return date.",
            ),
            details,
        )
    return Check(
        "licence_validity",
        Outcome.PASS,
        Message("驾驶证在整个租期内有效。", "The driving licence is valid for the whole rental."),
        details,
    )


def check_licence_holder(licence: DrivingLicence, name: str, id_number: str) -> Check:
    """Check that the licence belongs to the person on the identity document."""
    if licence.number.strip().upper() == id_number and licence.name == name:
        return Check(
            "licence_holder",
            Outcome.PASS,
            Message("驾驶证持有人与证件一致。", "The licence holder matches the identity document."),
        )
    return Check(
        "licence_holder",
        Outcome.FAIL,
        Message("驾驶证持有人与证件不一致。", "The licence belongs to someone other than the document holder."),
    )


class ProbationPolicy(enum.Enum):
    """Branch rule for a licence in its probationary first year (实习期)."""

    ALLOW = "allow"  # note it for the clerk and go on
    REVIEW = "review"  # a clerk decides
    REFUSE = "refuse"


def check_licence_probation(licence: DrivingLicence, pickup_at: datetime, policy: ProbationPolicy) -> Check:
    """Flag a licence in its probationary year at pick-up; the branch's policy sets the outcome."""
    probation = in_probation(licence, pickup_at.date())
    details = {"first_issue_date": licence.first_issue_date.isoformat(), "in_probation": probation, "policy": policy.value}
    if not probation:
        return Check(
            "licence_probation",
            Outcome.PASS,
            Message("驾驶证已过实习期。", "The licence is past its probationary year."),
            details,
        )
    outcome = {ProbationPolicy.ALLOW: Outcome.PASS, ProbationPolicy.REVIEW: Outcome.REVIEW, ProbationPolicy.REFUSE: Outcome.FAIL}[policy]
    reason = {
        ProbationPolicy.ALLOW: Message("驾驶证处于实习期，请注意安全驾驶。", "The licence is in its probationary year; please drive with care."),
        ProbationPolicy.REVIEW: Message(
            "驾驶证处于实习期，需由工作人员确认。", "The licence is in its probationary year; a member of staff will confirm the rental."
        ),
        ProbationPolicy.REFUSE: Message(
            "本门店不向实习期内的驾驶人出租车辆，请到柜台咨询。",
            "This branch does not rent to drivers in their probationary year. Please ask at the counter.",
        ),
    }[policy]
    return Check("licence_probation", outcome, reason, details)
