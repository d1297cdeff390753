"""The TD1, TD2 and TD3 layouts: field positions and kinds, and matching lines of text to a layout.

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
"""

import enum
from dataclasses import dataclass

from kiosk.identity.mrz.errors import MrzError, MrzLayoutError
from kiosk.messages import Message


class MrzFormat(enum.Enum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"


# Lines and characters per line of each format.
LAYOUTS = {MrzFormat.TD1: (3, 30), MrzFormat.TD2: (2, 36), MrzFormat.TD3: (2, 44)}


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


def split_mrz_lines(text: str) -> list[str]:
    """Split MRZ text into lines, dropping blank lines and whitespace around each line.

    A single line of 88, 72 or 90 characters (a scanner that drops line breaks) is
    cut into the lines of TD3, TD2 or TD1.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        for count, width in LAYOUTS.values():
            if len(lines[0]) == count * width:
                return [lines[0][index : index + width] for index in range(0, count * width, width)]
    return lines


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
