"""Machine readable zones (MRZ) of ICAO 9303 travel documents: TD1, TD2 and TD3.

:func:`parse_mrz` reads the zone as printed (or as typed or scanned from the page),
checks every character, check digit and date, and returns an :class:`MrzResult` that
lists every problem found. Nothing is corrected silently: a letter O in a date is
reported as such, never read as a zero.
"""

from kiosk.identity.mrz.bac import BacKeySeed, bac_key_seed
from kiosk.identity.mrz.characters import DIGITS, FILLER, LETTERS, MRZ_CHARACTERS
from kiosk.identity.mrz.check_digits import check_digit
from kiosk.identity.mrz.errors import (
    MrzCharacterError,
    MrzCheckDigitError,
    MrzConfusionSuspected,
    MrzDateError,
    MrzDigitForLetterError,
    MrzError,
    MrzFieldError,
    MrzInvalid,
    MrzLayoutError,
    MrzLetterForDigitError,
)
from kiosk.identity.mrz.layouts import LAYOUTS, MrzFormat, split_mrz_lines
from kiosk.identity.mrz.parser import parse_mrz
from kiosk.identity.mrz.result import MrzResult, MrzWarning, mask_document_number

__all__ = [
    "DIGITS",
    "FILLER",
    "LAYOUTS",
    "LETTERS",
    "MRZ_CHARACTERS",
    "BacKeySeed",
    "MrzCharacterError",
    "MrzCheckDigitError",
    "MrzConfusionSuspected",
    "MrzDateError",
    "MrzDigitForLetterError",
    "MrzError",
    "MrzFieldError",
    "MrzFormat",
    "MrzInvalid",
    "MrzLayoutError",
    "MrzLetterForDigitError",
    "MrzResult",
    "MrzWarning",
    "bac_key_seed",
    "check_digit",
    "mask_document_number",
    "parse_mrz",
    "split_mrz_lines",
]
