"""Parsing and checking one MRZ: every character, check digit, date and field value.

Dates are YYMMDD. The century of a birth date is the latest one that does not put
the date in the future (20YY when that date is not after today, else 19YY), so a
holder aged 100 or more is read a century too young. Expiry dates are always 20YY.
"""

import logging
from datetime import date

from kiosk.identity.mrz.characters import (
    _DIGIT_FOR_LETTER,
    _LETTER_FOR_DIGIT,
    DIGITS,
    FILLER,
    LETTERS,
    MRZ_CHARACTERS,
)
from kiosk.identity.mrz.check_digits import check_digit
from kiosk.identity.mrz.errors import (
    MrzCharacterError,
    MrzCheckDigitError,
    MrzConfusionSuspected,
    MrzDateError,
    MrzDigitForLetterError,
    MrzError,
    MrzFieldError,
    MrzLetterForDigitError,
)
from kiosk.identity.mrz.layouts import (
    _COMPOSITE,
    _FIELDS,
    _NUMERIC_FILLER_ALLOWED,
    MrzFormat,
    _detect_format,
    _Kind,
    split_mrz_lines,
)
from kiosk.identity.mrz.result import MrzResult, MrzWarning
from kiosk.messages import Message

log = logging.getLogger(__name__)

_SEX_CODES = {"M", "F", FILLER, "X"}  # NOTE: ICAO 9303 prescribes "<" for unspecified; some issuers print "X".


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
_BAD_SEX = Message("机读码中的性别代码无效（应为 M、F、X 或 <），请核对。", "The sex code in the MRZ is not M, F, X or <. Please check it.")
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
            self._error(MrzFieldError, "sex", [0], f"sex code {self.raw['sex']!r} is not M, F, X or <", _BAD_SEX)
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
