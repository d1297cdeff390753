"""Interpreting the text block of a resident ID card: fields, dates and their agreement with the number."""

import logging
from datetime import date

from devices.idcard.reader import CardRead
from devices.idcard.text_block import ResidentTextFields, decode_resident_text
from kiosk.errors import DocumentUnreadable
from kiosk.identity.card_fields import (
    check_agrees_with_number,
    check_validity_period,
    parse_card_date,
    parse_sex,
    parse_valid_to,
)
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.ethnicity import ETHNIC_GROUPS
from kiosk.identity.id_number import NumberKind, parse_id_number

log = logging.getLogger(__name__)


def identity_from_resident_fields(fields: ResidentTextFields, photo: bytes, today: date) -> Identity:
    """Build an :class:`Identity` from a resident card's fields.

    Raises :class:`DocumentUnreadable` for a malformed field, :class:`kiosk.errors.InvalidIdNumber`
    when the number fails GB 11643, and :class:`kiosk.errors.DocumentInvalid` when the
    fields contradict each other or the card is not yet valid.
    """
    if not fields.name:
        raise DocumentUnreadable("name field is empty")
    sex = parse_sex(fields.sex)
    if fields.ethnicity not in ETHNIC_GROUPS:
        raise DocumentUnreadable(f"ethnicity code {fields.ethnicity!r} is unknown")

    number = parse_id_number(fields.number, today)
    if number.kind is not NumberKind.RESIDENT:
        raise DocumentUnreadable(f"a resident card carries a {number.kind.value} number {number.masked}")
    birth_date = parse_card_date(fields.birth_date, "birth date")
    valid_from = parse_card_date(fields.valid_from, "valid-from date")
    valid_to = parse_valid_to(fields.valid_to)

    check_agrees_with_number(number.masked, "birth date", birth_date, number.birth_date)
    check_agrees_with_number(number.masked, "sex", sex, number.sex)
    check_validity_period(number.masked, valid_from, valid_to, today)

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
        warnings=number.warnings,
    )


def parse_resident_card(read: CardRead, photo: bytes, today: date | None = None) -> Identity:
    """Build an :class:`Identity` from a resident ID card read; raises as :func:`identity_from_resident_fields`."""
    try:
        fields = decode_resident_text(read.text)
    except (ValueError, UnicodeDecodeError) as error:
        raise DocumentUnreadable(f"text block cannot be split: {error}") from error
    return identity_from_resident_fields(fields, photo, today or date.today())
