"""Resident identity numbers per GB 11643-1999."""

from datetime import date

import pytest

from kiosk.errors import InvalidIdNumber
from kiosk.identity.id_number import check_character, mask_id_number, parse_id_number


def test_published_example_is_valid():
    number = parse_id_number("11010519491231002X", today=date(2026, 12, 4))
    assert number.number == "11010519491231002X"
    assert number.birth_date == date(1949, 12, 31)
    assert number.sex == "F"
    assert number.division_code == "110105"


def test_lower_case_x_is_normalised():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


def test_odd_sequence_is_male():
    assert parse_id_number("110105196108040013").sex == "M"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("110105194912310021", "check character"),
        ("1101051949123100", "18 characters"),
        ("11010519491231002Y", "invalid characters"),
        ("1101051949123A002X", "invalid characters"),
    ],
)
def test_invalid_numbers_are_rejected(raw, reason):
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw)
    assert reason in caught.value.message.en


def test_impossible_birth_date_is_rejected():
    first_17 = "11010519490231002"  # 31 February
    with pytest.raises(InvalidIdNumber, match="birth date"):
        parse_id_number(first_17 + check_character(first_17))


def test_birth_date_after_today_is_rejected():
    first_17 = "11010520300101002"
    with pytest.raises(InvalidIdNumber, match="birth date"):
        parse_id_number(first_17 + check_character(first_17), today=date(2026, 12, 4))


def test_mask_keeps_first_three_and_last_four():
    assert mask_id_number("11010519491231002X") == "110***********002X"
