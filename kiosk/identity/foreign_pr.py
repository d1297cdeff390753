"""Foreigners' permanent residence ID cards (外国人永久居留身份证), 2017 and 2023 versions.

The 2017 card's number is 15 characters: the holder's nationality as three letters, then
twelve digits. The 2023 card's number has the resident-number form with a leading "9",
and is checked with the same MOD 11-2 check character.
"""

import logging
import re
from datetime import date

import pycountry

from devices.idcard.text_block import ForeignPr2017TextFields, ForeignPr2023TextFields
from kiosk.errors import DocumentInvalid, DocumentUnreadable
from kiosk.identity.card_fields import (
    check_agrees_with_number,
    check_nationality,
    check_validity_period,
    parse_card_date,
    parse_count,
    parse_sex,
    parse_valid_to,
)
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.id_number import NumberKind, mask_id_number, parse_id_number
from kiosk.messages import Message

log = logging.getLogger(__name__)

_NUMBER_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
NAME_EN_FIRST_PART = 35  # characters of the English name in the first field of a 2023 card


def identity_from_2017_fields(fields: ForeignPr2017TextFields, photo: bytes, today: date) -> Identity:
    """Build an :class:`Identity` from a 2017 card's fields; raises like the resident card parser."""
    if not (fields.name_en or fields.name):
        raise DocumentUnreadable("both name fields are empty")
    sex = parse_sex(fields.sex)
    nationality = check_nationality(fields.nationality)
    masked = mask_id_number(fields.number)
    if not _NUMBER_2017.fullmatch(fields.number):
        raise DocumentUnreadable(f"2017 permanent residence number {masked} is not three letters and twelve digits")
    if fields.number[:3] != nationality:
        raise DocumentInvalid(f"card {masked}: the number's nationality differs from the nationality field")
    birth_date = parse_card_date(fields.birth_date, "birth date")
    valid_from = parse_card_date(fields.valid_from, "valid-from date")
    valid_to = parse_valid_to(fields.valid_to)
    check_validity_period(masked, valid_from, valid_to, today)

    log.info("2017 permanent residence card %s parsed", masked)
    return Identity(
        document_type=DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD,
        name=fields.name or fields.name_en,
        name_en=fields.name_en,
        sex=sex,
        birth_date=birth_date,
        number=fields.number,
        valid_from=valid_from,
        valid_to=valid_to,
        issuing_authority=fields.authority_code,
        nationality=nationality,
        card_version=fields.card_version,
        photo=photo,
        # NOTE: the check character of the 15-character number is not verified, because
        # its algorithm is not published where this terminal's authors could confirm it.
        warnings=(
            Message(
                "2017 版永久居留身份证号码的校验位未核对。",
                "The check character of a 2017 permanent residence number is not verified.",
            ),
        ),
    )


def identity_from_2023_fields(fields: ForeignPr2023TextFields, photo: bytes, today: date) -> Identity:
    """Build an :class:`Identity` from a 2023 card's fields; raises like the resident card parser."""
    # The first part fills its 35 characters whenever a continuation exists. Padding
    # removal may have taken a space at its end, and that space separates two words.
    if fields.name_en_continued:
        name_en = (fields.name_en.ljust(NAME_EN_FIRST_PART) + fields.name_en_continued).strip()
    else:
        name_en = fields.name_en.strip()
    if not (name_en or fields.name):
        raise DocumentUnreadable("both name fields are empty")
    sex = parse_sex(fields.sex)
    nationality = check_nationality(fields.nationality)
    number = parse_id_number(fields.number, today)
    if number.kind is not NumberKind.FOREIGN_PR:
        raise DocumentUnreadable(f"a 2023 permanent residence card carries a {number.kind.value} number {number.masked}")
    country = pycountry.countries.get(alpha_3=nationality)
    if country is None or country.numeric != number.number[3:6]:
        raise DocumentInvalid(f"card {number.masked}: the number's nationality digits differ from the nationality field")
    birth_date = parse_card_date(fields.birth_date, "birth date")
    valid_from = parse_card_date(fields.valid_from, "valid-from date")
    valid_to = parse_valid_to(fields.valid_to)
    renewal_count = parse_count(fields.renewal_count, "renewal count") if fields.renewal_count else 0

    check_agrees_with_number(number.masked, "birth date", birth_date, number.birth_date)
    check_agrees_with_number(number.masked, "sex", sex, number.sex)
    check_validity_period(number.masked, valid_from, valid_to, today)

    log.info("2023 permanent residence card %s parsed, renewal %d", number.masked, renewal_count)
    return Identity(
        document_type=DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD,
        name=fields.name or name_en,
        name_en=name_en,
        sex=sex,
        birth_date=birth_date,
        number=number.number,
        valid_from=valid_from,
        valid_to=valid_to,
        nationality=nationality,
        issue_count=renewal_count,
        card_version="2023",
        photo=photo,
        warnings=number.warnings,
    )
