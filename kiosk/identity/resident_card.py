"""Interpreting a resident ID card read: fields, dates and their agreement with the number."""

import logging
from datetime import date

from devices.idcard.reader import CardRead
from devices.idcard.text_block import decode_resident_text
from kiosk.errors import DocumentInvalid, DocumentUnreadable
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.ethnicity import ETHNIC_GROUPS
from kiosk.identity.id_number import parse_id_number
from kiosk.messages import Message

log = logging.getLogger(__name__)

LONG_TERM = "长期"
_SEX_CODES = {"1": "M", "2": "F"}


def _parse_card_date(value: str, field: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise DocumentUnreadable(f"{field} {value!r} is not YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise DocumentUnreadable(f"{field} {value!r} is not a calendar date") from None


def parse_resident_card(read: CardRead, photo: bytes, today: date | None = None) -> Identity:
    """Build an :class:`Identity` from a card read and its decoded photo.

    Raises :class:`DocumentUnreadable` when the text block cannot be split or a field
    is malformed, :class:`kiosk.errors.InvalidIdNumber` when the number fails
    GB 11643, and :class:`DocumentInvalid` when the fields contradict each other or
    the card is not yet valid.
    """
    today = today or date.today()
    try:
        fields = decode_resident_text(read.text)
    except (ValueError, UnicodeDecodeError) as error:
        raise DocumentUnreadable(f"text block cannot be split: {error}") from error

    if not fields.name:
        raise DocumentUnreadable("name field is empty")
    sex = _SEX_CODES.get(fields.sex)
    if sex is None:
        raise DocumentUnreadable(f"sex code {fields.sex!r} is not 1 or 2")
    if fields.ethnicity not in ETHNIC_GROUPS:
        raise DocumentUnreadable(f"ethnicity code {fields.ethnicity!r} is unknown")

    number = parse_id_number(fields.number, today)
    birth_date = _parse_card_date(fields.birth_date, "birth date")
    valid_from = _parse_card_date(fields.valid_from, "valid-from date")
    valid_to = None if fields.valid_to == LONG_TERM else _parse_card_date(fields.valid_to, "valid-to date")

    if birth_date != number.birth_date:
        raise DocumentInvalid(f"card {number.masked}: birth date field differs from the number")
    if sex != number.sex:
        raise DocumentInvalid(f"card {number.masked}: sex field differs from the number")
    if valid_to is not None and valid_to < valid_from:
        raise DocumentInvalid(f"card {number.masked}: valid-to date precedes valid-from date")
    if valid_from > today:
        raise DocumentInvalid(
            f"card {number.masked}: valid from {valid_from}, after today",
            Message("证件尚未生效，请联系工作人员。", "The card is not valid yet. Please ask a member of staff."),
        )

    log.info("resident card %s parsed", number.masked)
    return Identity(
        document_type=DocumentType.RESIDENT_ID_CARD,
        name=fields.name,
        sex=sex,
        birth_date=birth_date,
        number=number.number,
        valid_from=valid_from,
        valid_to=valid_to,
        ethnicity=fields.ethnicity,
        address=fields.address,
        issuing_authority=fields.issuing_authority,
        photo=photo,
    )
