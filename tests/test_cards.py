"""Every card layout a GA 467 reader returns: the type flag picks the layout, never a guess."""

from dataclasses import replace
from datetime import date

import pytest

from devices.idcard.reader import CardRead
from devices.idcard.text_block import (
    CardType,
    ForeignPr2017TextFields,
    ForeignPr2023TextFields,
    HmtPermitTextFields,
    ResidentTextFields,
    UnknownCardType,
    card_type_of,
    decode_text_block,
    encode_text_block,
)
from kiosk.errors import DocumentInvalid, DocumentUnreadable, InvalidIdNumber, UnknownDocumentType
from kiosk.identity.cards import parse_card
from kiosk.identity.documents import DocumentType
from kiosk.identity.id_number import check_character

TODAY = date(2026, 12, 4)

RESIDENT = ResidentTextFields(
    name="王建国", sex="1", ethnicity="01", birth_date="19610804", address="北京市朝阳区建国路 88 号",
    number="110105196108040013", issuing_authority="北京市公安局朝阳分局", valid_from="20160520", valid_to="长期",
)
HMT = HmtPermitTextFields(
    name="陈大文", sex="1", birth_date="19900101", address="广东省深圳市福田区福华路 1 号",
    number="810000" + "19900101001" + check_character("81000019900101001"),
    issuing_authority="深圳市公安局福田分局", valid_from="20240101", valid_to="20290101",
    pass_number="H12345678", issue_count="02",
)
PR_2017 = ForeignPr2017TextFields(
    name_en="SMITH, JOHN", sex="1", number="USA110080101001", nationality="USA", name="史密斯",
    valid_from="20200101", valid_to="20300101", birth_date="19800101", card_version="17", authority_code="1100",
)
PR_2023 = ForeignPr2023TextFields(
    name="史密斯", sex="2", renewal_count="01", birth_date="19800101",
    name_en="SMITH, JANE ELIZABETH ALEXANDRA MAR", number="91184019800101002" + check_character("91184019800101002"),
    valid_from="20240101", valid_to="20340101", name_en_continued="Y WINDSOR", nationality="USA",
    previous_number_link="",
)


def _read(fields) -> CardRead:
    return CardRead(text=encode_text_block(fields), photo=bytes(1024))


@pytest.mark.parametrize(
    "fields, card_type",
    [
        (RESIDENT, CardType.RESIDENT),
        (HMT, CardType.HMT_PERMIT),
        (PR_2017, CardType.FOREIGN_PR_2017),
        (PR_2023, CardType.FOREIGN_PR_2023),
    ],
)
def test_layout_round_trips_and_flag_names_type(fields, card_type):
    block = encode_text_block(fields)
    assert len(block) == 256
    assert card_type_of(block) is card_type
    assert decode_text_block(block) == fields


@pytest.mark.parametrize("flag", ["Z", "j", "1"])
def test_unknown_flag_is_reported_not_guessed(flag):
    block = bytearray(encode_text_block(HMT))
    block[248:250] = flag.encode("utf-16-le")
    with pytest.raises(UnknownCardType):
        decode_text_block(bytes(block))
    with pytest.raises(UnknownDocumentType):
        parse_card(CardRead(bytes(block), bytes(1024)), b"", TODAY)


def test_resident_card_parses():
    identity = parse_card(_read(RESIDENT), b"photo", TODAY)
    assert identity.document_type is DocumentType.RESIDENT_ID_CARD
    assert identity.nationality == "CHN"
    assert identity.valid_to is None


def test_hmt_permit_parses_with_pass_number_and_issue_count():
    identity = parse_card(_read(HMT), b"photo", TODAY)
    assert identity.document_type is DocumentType.HMT_RESIDENCE_PERMIT
    assert identity.number.startswith("810000")
    assert identity.pass_number == "H12345678"
    assert identity.issue_count == 2
    assert identity.valid_to == date(2029, 1, 1)
    assert identity.warnings == ()


def test_hmt_permit_with_odd_pass_number_warns():
    identity = parse_card(_read(replace(HMT, pass_number="X1234")), b"", TODAY)
    assert "does not have the usual form" in identity.warnings[0].en


def test_hmt_permit_with_resident_number_is_unreadable():
    with pytest.raises(DocumentUnreadable, match="carries a resident number"):
        parse_card(_read(replace(HMT, number=RESIDENT.number, birth_date="19610804")), b"", TODAY)


def test_foreign_2017_card_parses_both_names():
    identity = parse_card(_read(PR_2017), b"", TODAY)
    assert identity.document_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD
    assert identity.name == "史密斯"
    assert identity.name_en == "SMITH, JOHN"
    assert identity.nationality == "USA"
    assert identity.display_name == "史密斯 (SMITH, JOHN)"
    assert "not verified" in identity.warnings[0].en


def test_foreign_2017_nationality_must_match_number():
    with pytest.raises(DocumentInvalid, match="nationality"):
        parse_card(_read(replace(PR_2017, nationality="CAN")), b"", TODAY)


def test_foreign_2017_unknown_nationality_is_unreadable():
    with pytest.raises(DocumentUnreadable, match="ISO 3166"):
        parse_card(_read(replace(PR_2017, nationality="XXX", number="XXX110080101001")), b"", TODAY)


def test_foreign_2023_card_joins_english_name():
    fields = PR_2023
    identity = parse_card(_read(fields), b"", TODAY)
    assert identity.number.startswith("9")
    assert identity.name_en == "SMITH, JANE ELIZABETH ALEXANDRA MARY WINDSOR"
    assert identity.sex == "F"
    assert identity.issue_count == 1


def test_foreign_2023_bad_check_character_is_invalid():
    fields = PR_2023
    wrong = "0" if fields.number[-1] != "0" else "1"
    with pytest.raises(InvalidIdNumber, match="check character"):
        parse_card(_read(replace(fields, number=fields.number[:17] + wrong)), b"", TODAY)


def test_foreign_2023_birth_date_must_agree_with_number():
    fields = PR_2023
    with pytest.raises(DocumentInvalid, match="birth date"):
        parse_card(_read(replace(fields, birth_date="19800102")), b"", TODAY)


def test_foreign_2023_space_at_end_of_first_part_is_kept():
    fields = replace(PR_2023, name_en="SMITH, JANE ELIZABETH ALEXANDRA AN ", name_en_continued="WINDSOR")
    identity = parse_card(_read(fields), b"", TODAY)
    assert identity.name_en == "SMITH, JANE ELIZABETH ALEXANDRA AN WINDSOR"


def test_foreign_2023_nationality_must_match_number_digits():
    with pytest.raises(DocumentInvalid, match="nationality digits"):
        parse_card(_read(replace(PR_2023, nationality="CAN")), b"", TODAY)
