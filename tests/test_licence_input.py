"""Licence details typed or scanned go through the same checks."""

from datetime import date

import pytest

from kiosk.errors import LicenceInputError
from kiosk.identity.licence_input import licence_from_fields, parse_licence_text

TODAY = date(2026, 12, 4)
TYPED = {
    "number": "110105196108040013",
    "name": "王建国",
    "licence_class": "c1",
    "first_issue_date": "2001-03-15",
    "valid_from": "2019-03-15",
    "valid_to": "2029-03-15",
}


def test_typed_details_give_a_licence():
    licence = licence_from_fields(TYPED, TODAY)
    assert licence.licence_class == "C1"
    assert licence.valid_to == date(2029, 3, 15)


def test_scanned_text_gives_the_same_licence():
    text = "证号：110105196108040013\n姓名：王建国\n准驾车型：C1\n初次领证日期：2001年03月15日\n有效起始日期：2019-03-15\n有效期限：2029-03-15\n档案编号：1101000000"
    assert parse_licence_text(text, TODAY) == licence_from_fields(TYPED, TODAY)


def test_long_term_validity():
    assert licence_from_fields({**TYPED, "valid_to": "长期"}, TODAY).valid_to is None


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"name": ""}, "name", "is missing"),
        ({"licence_class": "C9"}, "licence_class", "not a known class"),
        ({"valid_to": "2029-02-30"}, "valid_to", "not a real date"),
        ({"valid_to": "next year"}, "valid_to", "is not a date"),
        ({"valid_from": "2020112"}, "valid_from", "is not a date"),
        ({"valid_from": "2000-01-01"}, "valid_from", "before the first issue date"),
        ({"valid_to": "2018-01-01"}, "valid_to", "before the valid-from date"),
        ({"first_issue_date": "2027-01-01", "valid_from": "2027-01-01"}, "first_issue_date", "in the future"),
        ({"number": "12 34"}, "number", "wrong form"),
    ],
)
def test_bad_details_name_the_field(change, field, words):
    with pytest.raises(LicenceInputError) as caught:
        licence_from_fields({**TYPED, **change}, TODAY)
    assert caught.value.field == field
    assert words in caught.value.message.en


def test_compact_eight_digit_dates_are_accepted():
    assert licence_from_fields({**TYPED, "valid_to": "20290315"}, TODAY).valid_to == date(2029, 3, 15)
