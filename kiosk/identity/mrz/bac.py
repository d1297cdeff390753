"""The Basic Access Control key seed, derived from the document number and dates of a valid MRZ."""

import hashlib
from dataclasses import dataclass, field

from kiosk.identity.mrz.characters import FILLER
from kiosk.identity.mrz.check_digits import check_digit
from kiosk.identity.mrz.result import MrzResult


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
