"""Resident identity numbers per GB 11643-1999.

The number is 18 characters: a six-digit administrative division code, the birth date
as YYYYMMDD, a three-digit sequence (odd for men, even for women) and a check character
computed with ISO 7064 MOD 11-2, where "X" stands for 10.
"""

from dataclasses import dataclass
from datetime import date

from kiosk.errors import InvalidIdNumber
from kiosk.messages import Message

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1880


@dataclass(frozen=True)
class ResidentIdNumber:
    """A checked identity number and what it encodes."""

    number: str
    division_code: str
    birth_date: date
    sex: str  # "M" or "F", from the parity of the sequence

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def check_character(first_17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def mask_id_number(number: str) -> str:
    """Keep the first three and last four characters, as receipts and logs show them."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def parse_id_number(raw: str, today: date | None = None) -> ResidentIdNumber:
    """Normalise and check an 18-character number; raises :class:`InvalidIdNumber`.

    A lower-case "x" is accepted and returned as "X". The birth date must be a real
    calendar date between 1880 and ``today``.
    """
    number = raw.strip().upper()

    if len(number) != 18:
        raise InvalidIdNumber(
            f"ID number has {len(number)} characters, expected 18",
            Message("身份证号码应为 18 位，请联系工作人员。", "An ID number has 18 characters. Please ask a member of staff."),
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(
            "ID number has characters other than digits and a final X",
            Message("身份证号码含有无效字符，请联系工作人员。", "The ID number contains invalid characters. Please ask a member of staff."),
        )

    expected = check_character(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(
            f"ID number {mask_id_number(number)} fails its check character",
            Message("身份证号码校验位不正确，请联系工作人员。", "The check character of the ID number is wrong. Please ask a member of staff."),
        )

    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth_date = None
    today = today or date.today()
    if birth_date is None or not (date(_EARLIEST_BIRTH_YEAR, 1, 1) <= birth_date <= today):
        raise InvalidIdNumber(
            f"ID number {mask_id_number(number)} encodes an impossible birth date",
            Message("身份证号码中的出生日期无效，请联系工作人员。", "The birth date in the ID number is not a real date. Please ask a member of staff."),
        )

    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentIdNumber(number=number, division_code=number[:6], birth_date=birth_date, sex=sex)
