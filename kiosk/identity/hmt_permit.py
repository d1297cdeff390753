"""Residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证).

The permit number has the resident-number form with the division code 810000 (Hong
Kong), 820000 (Macao) or 830000 (Taiwan). The card also carries the holder's Mainland
travel permit number and how many times a permit was issued to them.
"""

import logging
import re
from datetime import date

from devices.idcard.text_block import HmtPermitTextFields
from kiosk.errors import DocumentUnreadable
from kiosk.identity.card_fields import (
    check_agrees_with_number,
    check_validity_period,
    parse_card_date,
    parse_count,
    parse_sex,
    parse_valid_to,
)
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.id_number import NumberKind, parse_id_number
from kiosk.messages import Message

log = logging.getLogger(__name__)

# Mainland travel permits: Hong Kong "H" and Macao "M" followed by eight digits, Taiwan eight digits.
_PASS_NUMBER_FORMS = {
    "810000": re.compile(r"H\d{8}"),
    "820000": re.compile(r"M\d{8}"),
    "830000": re.compile(r"\d{8}"),
}


def identity_from_permit_fields(fields: HmtPermitTextFields, photo: bytes, today: date) -> Identity:
    """Build an :class:`Identity` from a permit's fields; raises like the resident card parser."""
    if not fields.name:
        raise DocumentUnreadable("name field is empty")
    sex = parse_sex(fields.sex)
    number = parse_id_number(fields.number, today)
    if number.kind is not NumberKind.HMT_PERMIT:
        raise DocumentUnreadable(f"a residence permit carries a {number.kind.value} number {number.masked}")
    birth_date = parse_card_date(fields.birth_date, "birth date")
    valid_from = parse_card_date(fields.valid_from, "valid-from date")
    valid_to = parse_valid_to(fields.valid_to)
    issue_count = parse_count(fields.issue_count, "issue count")

    check_agrees_with_number(number.masked, "birth date", birth_date, number.birth_date)
    check_agrees_with_number(number.masked, "sex", sex, number.sex)
    check_validity_period(number.masked, valid_from, valid_to, today)

    warnings = list(number.warnings)
    if not _PASS_NUMBER_FORMS[number.division_code].fullmatch(fields.pass_number):
        warnings.append(
            Message(
                f"通行证号码 {fields.pass_number[:1]}*** 的格式与签发地不符，请人工核对。",
                f"The travel permit number {fields.pass_number[:1]}*** does not have the usual form "
                "for this region; please check it by hand.",
            )
        )

    log.info("residence permit %s parsed, issue %d", number.masked, issue_count)
    return Identity(
        document_type=DocumentType.HMT_RESIDENCE_PERMIT,
        name=fields.name,
        sex=sex,
        birth_date=birth_date,
        number=number.number,
        valid_from=valid_from,
        valid_to=valid_to,
        address=fields.address,
        issuing_authority=fields.issuing_authority,
        nationality="CHN",
        pass_number=fields.pass_number,
        issue_count=issue_count,
        photo=photo,
        warnings=tuple(warnings),
    )
