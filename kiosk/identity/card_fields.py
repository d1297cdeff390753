"""Field rules shared by every card read through a GA 467 reader: dates, sex codes, validity."""

from datetime import date

import pycountry

from kiosk.errors import DocumentInvalid, DocumentUnreadable
from kiosk.messages import Message

LONG_TERM = "长期"
SEX_CODES = {"1": "M", "2": "F"}


def parse_card_date(value: str, field: str) -> date:
    """Parse YYYYMMDD; raises :class:`DocumentUnreadable` naming the field."""
    if len(value) != 8 or not value.isdigit():
        raise DocumentUnreadable(f"{field} {value!r} is not YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise DocumentUnreadable(f"{field} {value!r} is not a calendar date") from None


def parse_valid_to(value: str) -> date | None:
    """Parse the end of validity; ``长期`` (long-term) gives ``None``."""
    return None if value == LONG_TERM else parse_card_date(value, "valid-to date")


def parse_sex(code: str) -> str:
    """Map the GB/T 2261.1 sex code to "M" or "F"; raises :class:`DocumentUnreadable`."""
    try:
        return SEX_CODES[code]
    except KeyError:
        raise DocumentUnreadable(f"sex code {code!r} is not 1 or 2") from None


def parse_count(value: str, field: str) -> int:
    if not value.isdigit():
        raise DocumentUnreadable(f"{field} {value!r} is not a number")
    return int(value)


def check_nationality(code: str) -> str:
    """Return an ISO 3166-1 alpha-3 code as printed; raises :class:`DocumentUnreadable` when unknown."""
    if pycountry.countries.get(alpha_3=code) is None:
        raise DocumentUnreadable(f"nationality code {code!r} is not an ISO 3166-1 alpha-3 code")
    return code


def check_validity_period(masked_number: str, valid_from: date, valid_to: date | None, today: date) -> None:
    """Raise :class:`DocumentInvalid` when the period is reversed or has not begun."""
    if valid_to is not None and valid_to < valid_from:
        raise DocumentInvalid(f"card {masked_number}: valid-to date precedes valid-from date")
    if valid_from > today:
        raise DocumentInvalid(
            f"card {masked_number}: valid from {valid_from}, after today",
            Message("证件尚未生效，请联系工作人员。", "The card is not valid yet. Please ask a member of staff."),
        )


def check_agrees_with_number(masked_number: str, field: str, card_value: object, number_value: object) -> None:
    """Raise :class:`DocumentInvalid` when a printed field contradicts what the number encodes."""
    if card_value != number_value:
        raise DocumentInvalid(f"card {masked_number}: {field} field differs from the number")
