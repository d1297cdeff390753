"""The typed errors of MRZ parsing, each with the sentence a customer or clerk is shown."""

from typing import Any

from kiosk.errors import CounterSignError
from kiosk.messages import Message


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
