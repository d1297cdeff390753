"""Machine readable zones (MRZ) of ICAO 9303 travel documents: TD1, TD2 and TD3.

:func:`parse_mrz` reads the zone as printed (or as typed or scanned from the page),
checks every character, check digit and date, and returns an :class:`MrzResult` that
lists every problem found. Nothing is corrected silently: a letter O in a date is
reported as such, never read as a zero.

Layouts, from ICAO Doc 9303 (8th edition) parts 4 to 6, as line:columns counted from 1:

=============================  ================  ================  ====================
field                          TD3 (2 × 44)      TD2 (2 × 36)      TD1 (3 × 30)
=============================  ================  ================  ====================
document code                  1:1–2             1:1–2             1:1–2
issuing state                  1:3–5             1:3–5             1:3–5
name                           1:6–44            1:6–36            3:1–30
document number, check digit   2:1–9, 2:10       2:1–9, 2:10       1:6–14, 1:15
nationality                    2:11–13           2:11–13           2:16–18
birth date, check digit        2:14–19, 2:20     2:14–19, 2:20     2:1–6, 2:7
sex                            2:21              2:21              2:8
expiry date, check digit       2:22–27, 2:28     2:22–27, 2:28     2:9–14, 2:15
optional data                  2:29–42 (+ 2:43)  2:29–35           1:16–30, 2:19–29
composite check digit          2:44              2:36              2:30
=============================  ================  ================  ====================

TD3's optional data (the personal number) has its own check digit in 2:43. The
composite check digit covers the document number, birth date and expiry date with
their check digits and the optional data, in the order printed.

Check digits use the weights 7, 3, 1 repeated, with ``<`` counting 0, digits their
value and A–Z 10–35; the check digit is the sum modulo 10.

Dates are YYMMDD. The century of a birth date is the latest one that does not put
the date in the future (20YY when that date is not after today, else 19YY), so a
holder aged 100 or more is read a century too young. Expiry dates are always 20YY.
"""

import enum
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk.errors import CounterSignError
from kiosk.messages import Message

log = logging.getLogger(__name__)

FILLER = "<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MRZ_CHARACTERS = frozenset(LETTERS + DIGITS + FILLER)
_WEIGHTS = (7, 3, 1)

# The pairs that OCR and typists confuse, from the character read to the one meant.
_LETTER_FOR_DIGIT = {"O": "0", "I": "1"}
_DIGIT_FOR_LETTER = {"0": "O", "1": "I"}


class MrzFormat(enum.Enum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"


# Lines and characters per line of each format.
LAYOUTS = {MrzFormat.TD1: (3, 30), MrzFormat.TD2: (2, 36), MrzFormat.TD3: (2, 44)}


class MrzError(CounterSignError):
    """A problem with a machine readable zone, located by ``field`` and ``columns``.

    ``columns`` are (line, column) pairs counted from 1. ``detail`` (the exception
    text) is for logs and never contains a full document number.
    """

    code = "invalid_mrz"
    message = Message(
        "证件机读码（MRZ）无效，请核对后重新输入或联系工作人员。",
        "The machine readable zone (MRZ) is not valid. Please check it and enter it again, or ask a member of staff.",
    )

    def __init__(
        self,
        detail: str,
        message: Message | None = None,
        field: str | None = None,
        columns: tuple[tuple[int, int], ...] = (),
    ) -> None:
        super().__init__(detail, message)
        self.field = field
        self.columns = columns

    @property
    def detail(self) -> str:
        return str(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "columns": [list(position) for position in self.columns],
            "detail": self.detail,
            "message": self.message.to_json(),
        }


class MrzLayoutError(MrzError):
    """The text is not two lines of 44 or 36 characters nor three of 30, or is a visa."""

    code = "layout"
    message = Message(
        "机读码的行数或每行字符数不正确，请按证件上的样子逐行输入。",
        "The MRZ has the wrong number of lines or characters. Please enter it line by line as printed.",
    )


class MrzCharacterError(MrzError):
    """A character that the MRZ never contains, or one that its field does not allow."""

    code = "invalid_character"
    message = Message(
        "机读码含有无效字符：机读码只包含大写字母 A–Z、数字 0–9 和填充符 <。",
        "The MRZ contains an invalid character: an MRZ has only capital letters A–Z, digits 0–9 and the filler <.",
    )


class MrzLetterForDigitError(MrzCharacterError):
    """A letter O or I in a numeric field, where the digit 0 or 1 is likely meant."""

    code = "letter_for_digit"
    message = Message(
        "机读码的数字栏中出现了字母 O 或 I，应为数字 0 或 1，请核对。",
        "A numeric field of the MRZ contains the letter O or I where the digit 0 or 1 belongs. Please check it.",
    )


class MrzDigitForLetterError(MrzCharacterError):
    """A digit 0 or 1 in an alphabetic field, where the letter O or I is likely meant."""

    code = "digit_for_letter"
    message = Message(
        "机读码的字母栏中出现了数字 0 或 1，应为字母 O 或 I，请核对。",
        "A letters-only field of the MRZ contains the digit 0 or 1 where the letter O or I belongs. Please check it.",
    )


class MrzCheckDigitError(MrzError):
    """A check digit that does not match its field."""

    code = "check_digit"
    message = Message(
        "机读码校验位不符，可能输入或识别有误，请核对。",
        "An MRZ check digit does not match. The MRZ may have been typed or scanned wrongly. Please check it.",
    )


class MrzConfusionSuspected(MrzCheckDigitError):
    """A check digit fails, and reading one letter O or I in the field as 0 or 1 would make it pass."""

    code = "check_digit_confusion"
    message = Message(
        "机读码校验位不符，可能把字母 O 与数字 0（或字母 I 与数字 1）混淆了，请核对。",
        "An MRZ check digit does not match. The letter O and the digit 0 (or I and 1) may have been confused. Please check it.",
    )


class MrzDateError(MrzError):
    """A date field that is not a calendar date."""

    code = "invalid_date"
    message = Message(
        "机读码中的日期无效，请核对。",
        "A date in the MRZ is not a real date. Please check it.",
    )


class MrzFieldError(MrzError):
    """A field whose characters are allowed but whose value is not (sex code, state code, empty name)."""

    code = "invalid_field"
    message = Message(
        "机读码中有栏目内容无效，请核对。",
        "A field of the MRZ has an invalid value. Please check it.",
    )


class MrzInvalid(MrzError):
    """Raised by :meth:`MrzResult.require_valid`; ``errors`` lists every problem found."""

    code = "invalid"

    def __init__(self, errors: tuple[MrzError, ...]) -> None:
        first = errors[0] if errors else None
        super().__init__(
            f"MRZ has {len(errors)} problem(s): " + "; ".join(f"{error.code}: {error}" for error in errors),
            first.message if first else None,
            first.field if first else None,
            first.columns if first else (),
        )
        self.errors = errors


@dataclass(frozen=True)
class MrzWarning:
    """Something a clerk should know that does not make the MRZ invalid."""

    code: str
    field: str
    message: Message

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message.to_json()}


@dataclass(frozen=True)
class MrzResult:
    """The fields of one MRZ and every problem found in it.

    ``raw`` maps each field name to its characters as printed, fillers included; it is
    what cross-checks compare. Names are split per ICAO 9303 part 3: the primary
    identifier (surname) comes before the first ``<<`` and the secondary identifier
    (given names) after it. A single ``<`` inside either stood for a space or a
    hyphen on the data page, so components are joined with spaces here. Apostrophes
    are left out of an MRZ, so none appear in the names. ``birth_date`` is ``None``
    when the MRZ leaves part of it unknown (fillers) or it is invalid.
    """

    format: MrzFormat | None
    lines: tuple[str, ...] = field(default=(), repr=False)
    raw: dict[str, str] = field(default_factory=dict, repr=False)
    document_number: str = field(default="", repr=False)
    primary_identifier: str = field(default="", repr=False)
    secondary_identifier: str = field(default="", repr=False)
    birth_date: date | None = field(default=None, repr=False)
    expiry_date: date | None = None
    name_possibly_truncated: bool = False
    errors: tuple[MrzError, ...] = ()
    warnings: tuple[MrzWarning, ...] = ()

    @property
    def valid(self) -> bool:
        return self.format is not None and not self.errors

    @property
    def document_code(self) -> str:
        return self.raw.get("document_code", "").rstrip(FILLER)

    @property
    def issuing_state(self) -> str:
        return self.raw.get("issuing_state", "").rstrip(FILLER)

    @property
    def nationality(self) -> str:
        return self.raw.get("nationality", "").rstrip(FILLER)

    @property
    def sex(self) -> str:
        return self.raw.get("sex", "")

    @property
    def masked_document_number(self) -> str:
        return mask_document_number(self.document_number)

    def require_valid(self) -> "MrzResult":
        """Return ``self`` when valid; raises :class:`MrzInvalid` listing every problem."""
        if not self.valid:
            raise MrzInvalid(self.errors)
        return self

    def fields_json(self) -> dict[str, Any]:
        """Return the parsed fields as JSON values; empty for an MRZ whose layout is unknown."""
        if self.format is None:
            return {}
        values: dict[str, Any] = {
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "document_number": self.document_number,
            "primary_identifier": self.primary_identifier,
            "secondary_identifier": self.secondary_identifier,
            "name_possibly_truncated": self.name_possibly_truncated,
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
        }
        for name in ("optional_data", "optional_data_2"):
            if name in self.raw:
                values[name] = self.raw[name].rstrip(FILLER)
        return values

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "format": self.format.value if self.format else None,
            "fields": self.fields_json(),
            "errors": [error.to_json() for error in self.errors],
            "warnings": [warning.to_json() for warning in self.warnings],
        }


@dataclass(frozen=True)
class BacKeySeed:
    """The MRZ information that Basic Access Control derives its keys from (ICAO 9303 part 11).

    ``mrz_information`` is the document number (with fillers to 9 characters), the
    birth date and the expiry date, each followed by its check digit. ``k_seed`` is the
    first 16 bytes of its SHA-1. ``repr`` masks the number, so the seed can be logged.
    """

    mrz_information: str = field(repr=False)
    masked_document_number: str

    @property
    def k_seed(self) -> bytes:
        return hashlib.sha1(self.mrz_information.encode("ascii")).digest()[:16]


class _Kind(enum.Enum):
    ALPHA = "alpha"  # letters and fillers: names, state codes, sex
    NUMERIC = "numeric"  # digits only; fillers only where a field allows them
    ALPHANUMERIC = "alphanumeric"


@dataclass(frozen=True)
class _Field:
    name: str
    line: int  # counted from 0
    start: int  # counted from 0
    end: int  # exclusive
    kind: _Kind


def _fields(*specs: tuple[str, int, int, int, _Kind]) -> dict[str, _Field]:
    return {spec[0]: _Field(*spec) for spec in specs}


A, N, AN = _Kind.ALPHA, _Kind.NUMERIC, _Kind.ALPHANUMERIC

_TD3_FIELDS = _fields(
    ("document_code", 0, 0, 2, AN),
    ("issuing_state", 0, 2, 5, A),
    ("name", 0, 5, 44, A),
    ("document_number", 1, 0, 9, AN),
    ("document_number_check", 1, 9, 10, N),
    ("nationality", 1, 10, 13, A),
    ("birth_date", 1, 13, 19, N),
    ("birth_date_check", 1, 19, 20, N),
    ("sex", 1, 20, 21, A),
    ("expiry_date", 1, 21, 27, N),
    ("expiry_date_check", 1, 27, 28, N),
    ("optional_data", 1, 28, 42, AN),
    ("optional_data_check", 1, 42, 43, N),
    ("composite_check", 1, 43, 44, N),
)
_TD2_FIELDS = _fields(
    ("document_code", 0, 0, 2, AN),
    ("issuing_state", 0, 2, 5, A),
    ("name", 0, 5, 36, A),
    ("document_number", 1, 0, 9, AN),
    ("document_number_check", 1, 9, 10, N),
    ("nationality", 1, 10, 13, A),
    ("birth_date", 1, 13, 19, N),
    ("birth_date_check", 1, 19, 20, N),
    ("sex", 1, 20, 21, A),
    ("expiry_date", 1, 21, 27, N),
    ("expiry_date_check", 1, 27, 28, N),
    ("optional_data", 1, 28, 35, AN),
    ("composite_check", 1, 35, 36, N),
)
_TD1_FIELDS = _fields(
    ("document_code", 0, 0, 2, AN),
    ("issuing_state", 0, 2, 5, A),
    ("document_number", 0, 5, 14, AN),
    ("document_number_check", 0, 14, 15, N),
    ("optional_data", 0, 15, 30, AN),
    ("birth_date", 1, 0, 6, N),
    ("birth_date_check", 1, 6, 7, N),
    ("sex", 1, 7, 8, A),
    ("expiry_date", 1, 8, 14, N),
    ("expiry_date_check", 1, 14, 15, N),
    ("nationality", 1, 15, 18, A),
    ("optional_data_2", 1, 18, 29, AN),
    ("composite_check", 1, 29, 30, N),
    ("name", 2, 0, 30, A),
)
_FIELDS = {MrzFormat.TD1: _TD1_FIELDS, MrzFormat.TD2: _TD2_FIELDS, MrzFormat.TD3: _TD3_FIELDS}

# Numeric fields that may contain fillers. A birth date may leave parts unknown, and
# empty TD3 optional data may have a filler as its check digit (column 43). A TD1 or TD2
# document number that overflows into the optional data has a filler as its check digit.
_NUMERIC_FILLER_ALLOWED = {"birth_date", "optional_data_check", "document_number_check"}

# The composite check digit covers these fields, in this order.
_COMPOSITE = {
    MrzFormat.TD3: ("document_number", "document_number_check", "birth_date", "birth_date_check",
                    "expiry_date", "expiry_date_check", "optional_data", "optional_data_check"),
    MrzFormat.TD2: ("document_number", "document_number_check", "birth_date", "birth_date_check",
                    "expiry_date", "expiry_date_check", "optional_data"),
    MrzFormat.TD1: ("document_number", "document_number_check", "optional_data", "birth_date",
                    "birth_date_check", "expiry_date", "expiry_date_check", "optional_data_2"),
}

_SEX_CODES = {"M", "F", FILLER, "X"}  # NOTE: ICAO 9303 prescribes "<" for unspecified; some issuers print "X".


def check_digit(characters: str) -> int:
    """Return the ICAO 9303 check digit of ``characters`` (A–Z, 0–9 and ``<`` only).

    Raises ``ValueError`` for any other character.
    """
    total = 0
    for index, character in enumerate(characters):
        total += _character_value(character) * _WEIGHTS[index % 3]
    return total % 10


def _character_value(character: str) -> int:
    if character == FILLER:
        return 0
    if character in DIGITS:
        return ord(character) - ord("0")
    if character in LETTERS:
        return ord(character) - ord("A") + 10
    raise ValueError(f"character {character!r} has no check digit value")


def mask_document_number(number: str) -> str:
    """Keep the first character and the last two, as logs and receipts show a document number."""
    if len(number) < 6:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 3) + number[-2:]


def split_mrz_lines(text: str) -> list[str]:
    """Split MRZ text into lines, dropping blank lines and whitespace around each line.

    A single line of 88, 72 or 90 characters (a scanner that drops line breaks) is
    cut into the lines of TD3, TD2 or TD1.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        for mrz_format, (count, width) in LAYOUTS.items():
            if len(lines[0]) == count * width:
                return [lines[0][index : index + width] for index in range(0, count * width, width)]
    return lines


def parse_mrz(text: str, today: date | None = None) -> MrzResult:
    """Parse and check an MRZ given as printed, one line per row.

    ``today`` sets the century of birth dates (default: the local date). Never
    raises for bad content: every problem is an entry in ``errors`` of the result.
    Raises ``TypeError`` only when ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"MRZ text must be str, not {type(text).__name__}")
    today = today or date.today()
    lines = split_mrz_lines(text)

    mrz_format, layout_errors = _detect_format(lines)
    if mrz_format is None:
        log.info("MRZ rejected: %s", layout_errors[0])
        return MrzResult(format=None, lines=tuple(lines), errors=tuple(layout_errors))

    parser = _Parser(mrz_format, lines, today)
    result = parser.parse()
    log.info(
        "MRZ %s of document %s parsed: %d error(s) %s, %d warning(s)",
        mrz_format.value,
        result.masked_document_number,
        len(result.errors),
        ",".join(error.code for error in result.errors) or "-",
        len(result.warnings),
    )
    return result


def bac_key_seed(mrz: MrzResult) -> BacKeySeed:
    """Return the MRZ information for Basic Access Control from a valid MRZ.

    A document number longer than 9 characters (TD1 and TD2 put the rest in the
    optional data) is used whole, followed by its own check digit. Raises
    :class:`MrzInvalid` when the MRZ has errors.
    """
    mrz.require_valid()
    number = mrz.document_number.ljust(9, FILLER)
    information = (
        number
        + str(check_digit(number))
        + mrz.raw["birth_date"]
        + mrz.raw["birth_date_check"]
        + mrz.raw["expiry_date"]
        + mrz.raw["expiry_date_check"]
    )
    return BacKeySeed(mrz_information=information, masked_document_number=mrz.masked_document_number)


def _detect_format(lines: list[str]) -> tuple[MrzFormat | None, list[MrzError]]:
    """Pick the format from the line count and the first line's length; report wrong lengths."""
    if len(lines) == 3:
        candidate = MrzFormat.TD1
    elif len(lines) == 2:
        candidate = MrzFormat.TD3 if len(lines[0]) > 40 else MrzFormat.TD2
    else:
        return None, [MrzLayoutError(f"MRZ has {len(lines)} non-blank line(s); TD1 has 3, TD2 and TD3 have 2")]

    _, width = LAYOUTS[candidate]
    wrong = [(number, len(line)) for number, line in enumerate(lines, start=1) if len(line) != width]
    if wrong:
        described = ", ".join(f"line {number} has {length}" for number, length in wrong)
        return None, [MrzLayoutError(f"{candidate.value} lines have {width} characters; {described}")]

    if lines[0][:1] == "V":
        return None, [
            MrzLayoutError(
                "document code V is a machine readable visa (MRV-A or MRV-B), which is not supported",
                Message("暂不支持签证的机读码，请联系工作人员。", "Visa MRZs are not supported. Please ask a member of staff."),
                field="document_code",
                columns=((1, 1),),
            )
        ]
    return candidate, []


_FOREIGN_MESSAGES = {
    "lower": Message(
        "机读码只使用大写字母，请按证件上的样子输入大写字母。",
        "An MRZ uses capital letters only. Please enter the capital letters as printed.",
    ),
    "punctuation": Message(
        "机读码中没有连字符和撇号：连字符写作 <，撇号省略。",
        "An MRZ has no hyphens or apostrophes: a hyphen is written as < and an apostrophe is left out.",
    ),
    "space": Message("机读码中没有空格，空位写作 <。", "An MRZ has no spaces: blank positions are written as <."),
}
_LETTERS_IN_NUMERIC = Message("机读码的数字栏中出现了字母，请核对。", "A numeric field of the MRZ contains letters. Please check it.")
_FILLER_IN_NUMERIC = Message(
    "机读码的数字栏中出现了填充符 <，请核对。", "A numeric field of the MRZ contains the filler <. Please check it."
)
_DIGITS_IN_ALPHA = Message("机读码的字母栏中出现了数字，请核对。", "A letters-only field of the MRZ contains digits. Please check it.")
_BAD_DOCUMENT_CODE = Message(
    "机读码的证件类型代码与其格式不符，请核对。", "The document code of the MRZ does not fit its format. Please check it."
)
_BAD_STATE = Message("机读码中的国家或地区代码无效，请核对。", "A state code in the MRZ is not valid. Please check it.")
_BAD_SEX = Message("机读码中的性别代码无效（应为 M、F 或 <），请核对。", "The sex code in the MRZ is not M, F or <. Please check it.")
_NO_SURNAME = Message(
    "机读码中缺少姓氏（主要标识符），请核对。", "The MRZ name has no surname (primary identifier). Please check it."
)
_NO_CHECK_DIGIT = Message("机读码的证件号码缺少校验位，请核对。", "The document number in the MRZ has no check digit. Please check it.")
_EMPTY_NUMBER = Message("机读码中的证件号码为空，请核对。", "The document number in the MRZ is empty. Please check it.")
_NAME_TRUNCATED = Message(
    "机读码中的姓名占满整栏，可能被截短，请与证件资料页上的姓名核对。",
    "The name fills its whole MRZ field and may be cut short. Please compare it with the name on the data page.",
)
_NAME_FILLERS = Message(
    "机读码姓名中的填充符不规范，请与证件资料页核对。",
    "The MRZ name has fillers in unexpected places. Please compare it with the data page.",
)
_BIRTH_INCOMPLETE = Message(
    "证件上的出生日期不完整（部分未知）。", "The birth date on the document is incomplete (partly unknown)."
)


class _Parser:
    """Checks one MRZ of a known layout and collects every problem it finds."""

    def __init__(self, mrz_format: MrzFormat, lines: list[str], today: date) -> None:
        self.format = mrz_format
        self.lines = lines
        self.today = today
        self.fields = _FIELDS[mrz_format]
        self.raw = {name: lines[spec.line][spec.start : spec.end] for name, spec in self.fields.items()}
        self.errors: list[MrzError] = []
        self.warnings: list[MrzWarning] = []
        # Fields whose characters are all allowed, so that their values can be checked further.
        self.clean: set[str] = set()

    def parse(self) -> MrzResult:
        for name in self.fields:
            if self._check_characters(name):
                self.clean.add(name)

        self._check_document_code()
        self._check_state_code("issuing_state")
        self._check_state_code("nationality")
        if "sex" in self.clean and self.raw["sex"] not in _SEX_CODES:
            self._error(MrzFieldError, "sex", [0], f"sex code {self.raw['sex']!r} is not M, F or <", _BAD_SEX)
        primary, secondary, truncated = self._parse_name()

        document_number = self._check_document_number()
        birth_date = self._parse_date("birth_date")
        expiry_date = self._parse_date("expiry_date")
        self._check_digit_of("birth_date", "birth_date_check")
        self._check_digit_of("expiry_date", "expiry_date_check")
        if self.format is MrzFormat.TD3:
            self._check_optional_data_digit()
        self._check_composite()

        return MrzResult(
            format=self.format,
            lines=tuple(self.lines),
            raw=dict(self.raw),
            document_number=document_number,
            primary_identifier=primary,
            secondary_identifier=secondary,
            birth_date=birth_date,
            expiry_date=expiry_date,
            name_possibly_truncated=truncated,
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
        )

    def _error(
        self, error_type: type[MrzError], name: str, offsets: list[int], detail: str, message: Message | None = None
    ) -> None:
        """Record a problem in field ``name`` at ``offsets`` (counted from 0 within the field)."""
        spec = self.fields[name]
        columns = tuple((spec.line + 1, spec.start + offset + 1) for offset in offsets)
        self.errors.append(error_type(detail, message, field=name, columns=columns))

    def _check_characters(self, name: str) -> bool:
        """Report characters outside the MRZ set and characters the field's kind rejects."""
        kind = self.fields[name].kind
        value = self.raw[name]

        foreign = [offset for offset, character in enumerate(value) if character not in MRZ_CHARACTERS]
        if foreign:
            found = sorted({value[offset] for offset in foreign})
            if any(character.islower() for character in found):
                message = _FOREIGN_MESSAGES["lower"]
            elif "-" in found or "'" in found:
                message = _FOREIGN_MESSAGES["punctuation"]
            else:
                message = _FOREIGN_MESSAGES["space"] if " " in found else None
            listed = ", ".join(repr(character) for character in found)
            self._error(MrzCharacterError, name, foreign, f"{name} contains {listed}, which an MRZ never contains", message)
            return False

        if kind is _Kind.NUMERIC:
            return self._check_numeric(name, value)
        if kind is _Kind.ALPHA:
            return self._check_alphabetic(name, value)
        return True

    def _check_numeric(self, name: str, value: str) -> bool:
        confused = [offset for offset, character in enumerate(value) if character in _LETTER_FOR_DIGIT]
        letters = [offset for offset, character in enumerate(value) if character in LETTERS and offset not in confused]
        fillers = []
        if name not in _NUMERIC_FILLER_ALLOWED:
            fillers = [offset for offset, character in enumerate(value) if character == FILLER]

        if confused:
            found = "".join(sorted({value[offset] for offset in confused}))
            self._error(MrzLetterForDigitError, name, confused, f"numeric field {name} contains the letter(s) {found}")
        if letters:
            self._error(MrzCharacterError, name, letters, f"numeric field {name} contains letters", _LETTERS_IN_NUMERIC)
        if fillers:
            self._error(MrzCharacterError, name, fillers, f"numeric field {name} contains fillers", _FILLER_IN_NUMERIC)
        return not (confused or letters or fillers)

    def _check_alphabetic(self, name: str, value: str) -> bool:
        confused = [offset for offset, character in enumerate(value) if character in _DIGIT_FOR_LETTER]
        digits = [offset for offset, character in enumerate(value) if character in DIGITS and offset not in confused]

        if confused:
            found = "".join(sorted({value[offset] for offset in confused}))
            self._error(MrzDigitForLetterError, name, confused, f"alphabetic field {name} contains the digit(s) {found}")
        if digits:
            self._error(MrzCharacterError, name, digits, f"alphabetic field {name} contains digits", _DIGITS_IN_ALPHA)
        return not (confused or digits)

    def _check_document_code(self) -> None:
        code = self.raw["document_code"]
        allowed = "P" if self.format is MrzFormat.TD3 else "ACI"
        if "document_code" in self.clean and (code[0] not in allowed or code[1] not in LETTERS + FILLER):
            detail = f"document code {code!r} does not start a {self.format.value} MRZ (first letter one of {allowed})"
            self._error(MrzFieldError, "document_code", [0, 1], detail, _BAD_DOCUMENT_CODE)

    def _check_state_code(self, name: str) -> None:
        """Accept one to three letters followed by fillers ("UTO", "D<<").

        NOTE: codes are checked for shape only, not against the ICAO list of state codes.
        """
        code = self.raw[name]
        letters = code.rstrip(FILLER)
        if name in self.clean and (not letters or FILLER in letters):
            detail = f"{name} {code!r} is not one to three letters followed by fillers"
            self._error(MrzFieldError, name, [0, 1, 2], detail, _BAD_STATE)

    def _parse_name(self) -> tuple[str, str, bool]:
        """Split the name field into primary and secondary identifiers (ICAO 9303 part 3)."""
        value = self.raw["name"]
        truncated = not value.endswith(FILLER)
        if truncated:
            self.warnings.append(MrzWarning("name_possibly_truncated", "name", _NAME_TRUNCATED))
        if "name" not in self.clean:
            return "", "", truncated

        primary_part, _, secondary_part = value.partition(FILLER * 2)
        secondary_part = secondary_part.rstrip(FILLER)
        secondary_components = secondary_part.split(FILLER) if secondary_part else []
        if not primary_part:
            self._error(MrzFieldError, "name", [0], "name field has no primary identifier before '<<'", _NO_SURNAME)
        if "" in secondary_components:
            # ICAO 9303 uses '<<' once, between the identifiers; a second run inside the given names is irregular.
            self.warnings.append(MrzWarning("name_irregular_fillers", "name", _NAME_FILLERS))

        primary = " ".join(component for component in primary_part.split(FILLER) if component)
        secondary = " ".join(component for component in secondary_components if component)
        return primary, secondary, truncated

    def _check_document_number(self) -> str:
        """Return the document number, following TD1/TD2 overflow into the optional data.

        TD1 and TD2 put the first 9 characters of a longer number in the number field
        and a filler in its check digit column. The rest of the number, its check digit
        and a filler start the optional data.
        """
        number_field = self.raw["document_number"]
        number = number_field.rstrip(FILLER)
        if "document_number" not in self.clean:
            return number

        if self.raw["document_number_check"] == FILLER and self.format is not MrzFormat.TD3:
            return self._overflowing_document_number(number_field)
        if not number:
            self._error(MrzFieldError, "document_number", [0], "document number is empty", _EMPTY_NUMBER)
        self._check_digit_of("document_number", "document_number_check")
        return number

    def _overflowing_document_number(self, head: str) -> str:
        optional = self.raw["optional_data"]
        tail_with_check = optional.split(FILLER, 1)[0]
        if FILLER in head or len(tail_with_check) < 2 or "optional_data" not in self.clean:
            detail = "document number check digit is a filler but no long number continues in the optional data"
            self._error(MrzCharacterError, "document_number_check", [0], detail, _NO_CHECK_DIGIT)
            return head.rstrip(FILLER)

        number = head + tail_with_check[:-1]
        found = tail_with_check[-1]
        offset = len(tail_with_check) - 1
        if found not in DIGITS:
            detail = f"check digit of the long document number is {found!r}, not a digit"
            self._error(MrzCharacterError, "optional_data", [offset], detail, _NO_CHECK_DIGIT)
        elif int(found) != check_digit(number):
            self._check_digit_error("document_number", number, int(found), "optional_data", offset)
        # The optional data proper starts after the number's tail, its check digit and a filler.
        self.raw["optional_data"] = optional[len(tail_with_check) + 1 :]
        return number

    def _parse_date(self, name: str) -> date | None:
        """Return the date of a YYMMDD field, or ``None`` when it is partly unknown or invalid."""
        value = self.raw[name]
        if name not in self.clean:
            return None
        if FILLER in value:
            return self._partial_birth_date(value)

        year, month, day = int(value[:2]), int(value[2:4]), int(value[4:6])
        try:
            if name == "birth_date":
                candidate = date(2000 + year, month, day)
                return candidate if candidate <= self.today else date(1900 + year, month, day)
            return date(2000 + year, month, day)
        except ValueError:
            self._error(MrzDateError, name, list(range(6)), f"{name} {value} is not a calendar date (YYMMDD)")
            return None

    def _partial_birth_date(self, value: str) -> None:
        """Accept "YYMM<<", "YY<<<<" and "<<<<<<" (unknown day, month and day, or all); report other mixes."""
        known = value.rstrip(FILLER)
        if FILLER in known or len(known) not in (0, 2, 4):
            detail = "birth date mixes digits and fillers other than an unknown day, month or year"
            self._error(MrzDateError, "birth_date", list(range(6)), detail)
            return None

        self.warnings.append(MrzWarning("birth_date_incomplete", "birth_date", _BIRTH_INCOMPLETE))
        if len(known) == 4 and not 1 <= int(known[2:4]) <= 12:
            self._error(MrzDateError, "birth_date", [2, 3], f"birth month {known[2:4]} is not 01-12")
        return None

    def _check_digit_of(self, name: str, check_name: str) -> None:
        if name not in self.clean or check_name not in self.clean:
            return
        found = self.raw[check_name]
        if found == FILLER:
            self._error(MrzCharacterError, check_name, [0], f"{check_name} is a filler, not a digit", _NO_CHECK_DIGIT)
        elif int(found) != check_digit(self.raw[name]):
            self._check_digit_error(name, self.raw[name], int(found), check_name, 0)

    def _check_optional_data_digit(self) -> None:
        """TD3 column 43 may be a filler, but only when the personal number is all fillers."""
        data, found = self.raw["optional_data"], self.raw["optional_data_check"]
        if "optional_data" not in self.clean or "optional_data_check" not in self.clean:
            return
        if found == FILLER and data.strip(FILLER):
            self._error(MrzCharacterError, "optional_data_check", [0], "optional data has a filler as its check digit")
        elif found != FILLER and int(found) != check_digit(data):
            self._check_digit_error("optional_data", data, int(found), "optional_data_check", 0)

    def _check_composite(self) -> None:
        """Check the composite digit over the covered columns as printed, even where a field has the wrong kind of character."""
        names = _COMPOSITE[self.format]
        covered = "".join(self.lines[self.fields[name].line][self.fields[name].start : self.fields[name].end] for name in names)
        if "composite_check" not in self.clean or not set(covered) <= MRZ_CHARACTERS:
            return
        found, expected = int(self.raw["composite_check"]), check_digit(covered)
        if found != expected:
            self._error(MrzCheckDigitError, "composite_check", [0], f"composite check digit is {found}, expected {expected}")

    def _check_digit_error(self, name: str, value: str, found: int, where: str, offset: int) -> None:
        """Report a failed check digit of ``name``, naming a letter O or I whose digit would make it pass.

        Only alphanumeric fields can hide such a swap, and only letter-for-digit swaps are
        tried: trying every 0 and 1 as well would match by chance too often. ``where`` and
        ``offset`` locate the check digit. The detail never repeats ``value``.
        """
        expected = check_digit(value)
        alphanumeric = self.fields[name].kind is _Kind.ALPHANUMERIC
        for position, character in enumerate(value if alphanumeric else ""):
            swapped = _LETTER_FOR_DIGIT.get(character)
            if swapped and check_digit(value[:position] + swapped + value[position + 1 :]) == found:
                detail = (
                    f"check digit of {name} is {found}, expected {expected}; it would match with "
                    f"{swapped!r} in place of {character!r} at position {position + 1} of the field"
                )
                self._error(MrzConfusionSuspected, where, [offset], detail)
                return
        self._error(MrzCheckDigitError, where, [offset], f"check digit of {name} is {found}, expected {expected}")
