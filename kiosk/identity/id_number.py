"""Identity numbers: resident numbers per GB 11643-1999 and the numbers of related cards.

A resident number is 18 characters. It starts with a six-digit division code (GB/T
2260) and the birth date as YYYYMMDD. A three-digit sequence follows (odd for men, even
for women), and last a check character computed with ISO 7064 MOD 11-2, where "X"
stands for 10. Residence permits
of Hong Kong, Macao and Taiwan residents use the same form with the division codes
810000, 820000 and 830000. The 2023 foreigners' permanent residence card uses it with a
leading "9" in place of a division. A 15-digit first-generation number is never accepted
from a presented document: those cards stopped being valid in 2013.
"""

import enum
import unicodedata

import pycountry
from dataclasses import dataclass, field
from datetime import date

from kiosk.errors import InvalidIdNumber
from kiosk.identity.regions import RegionStatus, is_mainland_province, look_up_region
from kiosk.messages import Message

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_EARLIEST_BIRTH_YEAR = 1880
_STAFF = Message("请联系工作人员。", "Please ask a member of staff.")


class NumberKind(enum.Enum):
    RESIDENT = "resident"
    HMT_PERMIT = "hmt_permit"
    FOREIGN_PR = "foreign_pr"
    FOREIGN_PR_2017 = "foreign_pr_2017"
    FIRST_GENERATION = "first_generation"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ResidentIdNumber:
    """A checked 18-character number and what it encodes."""

    number: str
    kind: NumberKind
    division_code: str
    birth_date: date
    sex: str  # "M" or "F", from the parity of the sequence
    warnings: tuple[Message, ...] = ()

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


@dataclass
class NumberReport:
    """Every error and warning found about a number, for the IT tool and the clerk."""

    normalized: str
    kind: NumberKind
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    parsed: ResidentIdNumber | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


def check_character(first_17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def mask_id_number(number: str) -> str:
    """Return ``number`` as screens, receipts and logs show it.

    An 18-character number keeps its six-digit area code and last four characters
    (``110105********002X``), the birth date and sequence hidden. Shorter numbers keep the
    first three and last four, and numbers of seven or fewer characters are hidden whole.
    """
    if len(number) <= 7:
        return "*" * len(number)
    shown_prefix = 6 if len(number) == 18 else 3
    return number[:shown_prefix] + "*" * (len(number) - shown_prefix - 4) + number[-4:]


ASCII_DIGITS = frozenset("0123456789")
ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_digits(text: str) -> bool:
    return bool(text) and all(character in ASCII_DIGITS for character in text)


def _is_letters(text: str) -> bool:
    return bool(text) and all(character in ASCII_LETTERS for character in text)


def normalise_id_number(raw: str) -> str:
    """Fold full-width and other decimal digits to ASCII, drop every kind of space and upper-case.

    Characters that are neither digits nor letters are kept, so that the check reports them.
    """
    folded = unicodedata.normalize("NFKC", raw)
    characters = []
    for character in folded:
        if character.isspace():
            continue
        if unicodedata.category(character) == "Nd":
            character = str(unicodedata.decimal(character))
        characters.append(character)
    return "".join(characters).upper()


def classify_number(number: str) -> NumberKind:
    """Guess the kind of a normalised number from its shape alone."""
    if len(number) == 15 and _is_digits(number):
        return NumberKind.FIRST_GENERATION
    if len(number) == 15 and _is_letters(number[:3]) and _is_digits(number[3:]):
        return NumberKind.FOREIGN_PR_2017
    if len(number) == 18:
        if number.startswith("9"):
            return NumberKind.FOREIGN_PR
        if number[:6] in ("810000", "820000", "830000"):
            return NumberKind.HMT_PERMIT
        return NumberKind.RESIDENT
    return NumberKind.UNKNOWN


def _birth_date(number: str, today: date) -> date | None:
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if not date(_EARLIEST_BIRTH_YEAR, 1, 1) <= birth <= today:
        return None
    return birth


def check_number(raw: str, today: date | None = None) -> NumberReport:
    """Check any identity number a branch may meet and list every error and warning."""
    today = today or date.today()
    number = normalise_id_number(raw)
    kind = classify_number(number)
    report = NumberReport(normalized=number, kind=kind)

    if kind is NumberKind.FIRST_GENERATION:
        report.errors.append(
            Message(
                "这是 15 位第一代身份证号码，该证件已于 2013 年停止使用，请出示第二代身份证。",
                "This is a 15-digit first-generation number; those cards stopped being valid in 2013. "
                "Present a second-generation card with an 18-character number.",
            )
        )
        return report
    if kind is NumberKind.FOREIGN_PR_2017:
        if pycountry.countries.get(alpha_3=number[:3]) is None:
            report.errors.append(
                Message(
                    f"号码开头的 {number[:3]} 不是国家或地区代码。",
                    f"{number[:3]} at the start of the number is not an ISO 3166-1 country code.",
                )
            )
        report.warnings.append(
            Message(
                "2017 版永久居留身份证号码没有可核对的校验位，仅检查了格式。",
                "A 2017 permanent residence card number has no check character to verify; only its form was checked.",
            )
        )
        return report
    if len(number) != 18:
        report.errors.append(Message(f"号码有 {len(number)} 位，应为 18 位。", f"The number has {len(number)} characters; it needs 18."))
        return report
    if not _is_digits(number[:17]) or not (number[17] in ASCII_DIGITS or number[17] == "X"):
        report.errors.append(
            Message("号码只能由数字和末位的 X 组成。", "The number may contain only digits and a final X.")
        )
        return report

    expected = check_character(number[:17])
    if number[17] != expected:
        report.errors.append(
            Message(
                f"校验位应为 {expected}，实际为 {number[17]}。",
                f"The check character should be {expected}, not {number[17]}.",
            )
        )

    birth = _birth_date(number, today)
    if birth is None:
        report.errors.append(
            Message("号码中的出生日期不是真实日期或晚于今天。", "The birth date in the number is not a real date, or is in the future.")
        )

    if kind is NumberKind.FOREIGN_PR:
        if not is_mainland_province(number[1:3]):
            report.errors.append(
                Message(
                    f"号码第 2–3 位 {number[1:3]} 不是受理地的省级代码。",
                    f"Digits 2 to 3, {number[1:3]}, are not the province code of the issuing office.",
                )
            )
        if pycountry.countries.get(numeric=number[3:6]) is None:
            report.errors.append(
                Message(
                    f"号码第 4–6 位 {number[3:6]} 不是国家或地区的数字代码。",
                    f"Digits 4 to 6, {number[3:6]}, are not an ISO 3166-1 numeric country code.",
                )
            )

    if kind is NumberKind.RESIDENT or kind is NumberKind.HMT_PERMIT:
        region = look_up_region(number[:6])
        if region.status is RegionStatus.INVALID:
            report.errors.append(
                Message(f"地址码 {number[:6]} 不存在。", f"The division code {number[:6]} does not exist.")
            )
        elif region.status is RegionStatus.ABOLISHED:
            report.warnings.append(
                Message(
                    f"地址码 {number[:6]}（{region.name}）已撤销；旧号码保留原地址码，可以接受。",
                    f"The division code {number[:6]} ({region.name}) was abolished; old numbers keep it, so it is accepted.",
                )
            )
        elif region.status is RegionStatus.UNLISTED:
            report.warnings.append(
                Message(
                    f"地址码 {number[:6]} 不在本机的 GB/T 2260 列表（2002 至 2013 年）中，可能是 2002 年前撤销或 2013 年后新设的区划。",
                    f"The division code {number[:6]} is not in this terminal's GB/T 2260 list (revisions 2002 to 2013); "
                    "it may be a division abolished before 2002 or created after 2013.",
                )
            )

    if not report.errors and birth is not None:
        sex = "M" if int(number[16]) % 2 == 1 else "F"
        report.parsed = ResidentIdNumber(number, kind, number[:6], birth, sex, tuple(report.warnings))
    return report


def parse_id_number(raw: str, today: date | None = None) -> ResidentIdNumber:
    """Normalise and check an 18-character number; raises :class:`InvalidIdNumber` naming the first error.

    Full-width characters and spaces are folded, and a lower-case "x" becomes "X".
    Warnings (an abolished division code) do not raise; they are on the result.
    """
    report = check_number(raw, today)
    if report.kind is NumberKind.FOREIGN_PR_2017:
        raise InvalidIdNumber(
            f"number {mask_id_number(report.normalized)} is a 2017 permanent residence number, not an 18-character number",
            Message("证件号码格式不符，请联系工作人员。", "The document number has the wrong form. Please ask a member of staff."),
        )
    if not report.valid:
        first = report.errors[0]
        raise InvalidIdNumber(
            f"number {mask_id_number(report.normalized)} is invalid: {first.en}",
            Message(f"{first.zh}{_STAFF.zh}", f"{first.en} {_STAFF.en}"),
        )
    assert report.parsed is not None
    return report.parsed
