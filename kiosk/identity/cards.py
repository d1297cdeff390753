"""Reading any card a GA 467 reader returns: the card-type flag picks the layout and the parser."""

from dataclasses import replace
from datetime import date

from devices.idcard.ga467 import decode_appended_address
from devices.idcard.reader import CardRead
from devices.idcard.text_block import (
    ForeignPr2017TextFields,
    ForeignPr2023TextFields,
    HmtPermitTextFields,
    ResidentTextFields,
    UnknownCardType,
    decode_text_block,
)
from kiosk.errors import DocumentUnreadable, UnknownDocumentType
from kiosk.identity.documents import Identity
from kiosk.identity.foreign_pr import identity_from_2017_fields, identity_from_2023_fields
from kiosk.identity.hmt_permit import identity_from_permit_fields
from kiosk.identity.resident_card import identity_from_resident_fields


def parse_card(read: CardRead, photo: bytes, today: date | None = None) -> Identity:
    """Build an :class:`Identity` from any supported card.

    Raises :class:`UnknownDocumentType` when the card-type flag names no known layout,
    :class:`DocumentUnreadable` when the block cannot be split or a field is malformed,
    and the parsers' other typed errors for invalid numbers and contradictions.
    """
    today = today or date.today()
    try:
        fields = decode_text_block(read.text)
    except UnknownCardType as error:
        raise UnknownDocumentType(f"card type flag {error.flag!r} is not supported") from error
    except ValueError as error:
        raise DocumentUnreadable(f"text block cannot be split: {error}") from error

    if isinstance(fields, ResidentTextFields):
        identity = identity_from_resident_fields(fields, photo, today)
    elif isinstance(fields, HmtPermitTextFields):
        identity = identity_from_permit_fields(fields, photo, today)
    elif isinstance(fields, ForeignPr2017TextFields):
        identity = identity_from_2017_fields(fields, photo, today)
    elif isinstance(fields, ForeignPr2023TextFields):
        identity = identity_from_2023_fields(fields, photo, today)
    else:
        raise AssertionError(f"no parser for {type(fields).__name__}")

    if read.appended_address:
        # The address endorsed after issue replaces the printed one: it is where the
        # holder lives now.
        try:
            appended = decode_appended_address(read.appended_address)
        except ValueError as error:
            raise DocumentUnreadable(f"appended address cannot be decoded: {error}") from error
        if appended:
            identity = replace(identity, address=appended)
    return identity
