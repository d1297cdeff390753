"""Interpreting the text block of a resident ID card."""

from dataclasses import replace
from datetime import date

import pytest

from devices.idcard.reader import CardRead
from devices.idcard.text_block import ResidentTextFields, decode_resident_text, encode_resident_text
from kiosk.errors import DocumentInvalid, DocumentUnreadable, InvalidIdNumber
from kiosk.identity.resident_card import parse_resident_card

TODAY = date(2026, 12, 4)
FIELDS = ResidentTextFields(
    name="王建国",
    sex="1",
    ethnicity="01",
    birth_date="19610804",
    address="北京市朝阳区建国路 88 号院 3 号楼 1201 室",
    number="110105196108040013",
    issuing_authority="北京市公安局朝阳分局",
    valid_from="20160520",
    valid_to="长期",
)


def _read(fields: ResidentTextFields) -> CardRead:
    return CardRead(text=encode_resident_text(fields), photo=bytes(1024))


def test_text_block_is_256_bytes_and_round_trips():
    block = encode_resident_text(FIELDS)
    assert len(block) == 256
    assert decode_resident_text(block) == FIELDS


def test_field_too_long_for_layout_is_rejected():
    with pytest.raises(ValueError, match="name"):
        encode_resident_text(replace(FIELDS, name="名" * 16))


def test_long_term_card_has_no_expiry():
    identity = parse_resident_card(_read(FIELDS), b"photo", TODAY)
    assert identity.valid_to is None
    assert identity.valid_through(date(2099, 1, 1))
    assert identity.name == "王建国"
    assert identity.sex == "M"
    assert identity.birth_date == date(1961, 8, 4)


def test_dated_card_expires():
    identity = parse_resident_card(_read(replace(FIELDS, valid_to="20361231")), b"", TODAY)
    assert identity.valid_to == date(2036, 12, 31)
    assert not identity.valid_through(date(2037, 1, 1))


def test_birth_date_field_must_agree_with_number():
    with pytest.raises(DocumentInvalid, match="birth date"):
        parse_resident_card(_read(replace(FIELDS, birth_date="19610805")), b"", TODAY)


def test_sex_field_must_agree_with_number():
    with pytest.raises(DocumentInvalid, match="sex"):
        parse_resident_card(_read(replace(FIELDS, sex="2")), b"", TODAY)


def test_card_not_yet_valid_is_invalid():
    with pytest.raises(DocumentInvalid) as caught:
        parse_resident_card(_read(replace(FIELDS, valid_from="20270101")), b"", TODAY)
    assert "not valid yet" in caught.value.message.en


@pytest.mark.parametrize(
    "change",
    [
        {"ethnicity": "77"},
        {"sex": "9"},
        {"valid_from": "2016052"},
        {"valid_to": "20361331"},
        {"name": ""},
    ],
)
def test_malformed_fields_are_unreadable(change):
    with pytest.raises(DocumentUnreadable):
        parse_resident_card(_read(replace(FIELDS, **change)), b"", TODAY)


def test_bad_number_on_card_is_invalid():
    with pytest.raises(InvalidIdNumber):
        parse_resident_card(_read(replace(FIELDS, number="110105196108040014")), b"", TODAY)


def test_wrong_block_size_is_unreadable():
    with pytest.raises(DocumentUnreadable):
        parse_resident_card(CardRead(text=bytes(200), photo=b""), b"", TODAY)
