"""Identity numbers per GB 11643-1999, with division codes and the numbers of related cards."""

from datetime import date

import pytest

from kiosk.errors import InvalidIdNumber
from kiosk.identity.id_number import (
    NumberKind,
    check_character,
    check_number,
    mask_id_number,
    normalise_id_number,
    parse_id_number,
)


def _with_check(first_17: str) -> str:
    return first_17 + check_character(first_17)


def test_published_example_is_valid():
    number = parse_id_number("11010519491231002X", today=date(2026, 12, 4))
    assert number.number == "11010519491231002X"
    assert number.birth_date == date(1949, 12, 31)
    assert number.sex == "F"
    assert number.division_code == "110105"
    assert number.kind is NumberKind.RESIDENT
    assert number.warnings == ()


def test_lower_case_x_is_normalised():
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"


def test_full_width_digits_and_spaces_are_folded():
    assert normalise_id_number("１１０１０５ １９４９１２３１　００２ｘ") == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002X ").number == "11010519491231002X"


def test_odd_sequence_is_male():
    assert parse_id_number("110105196108040013").sex == "M"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("110105194912310021", "check character should be X"),
        ("11010519491231002", "17 characters; it needs 18"),
        ("11010519491231002Y", "only digits and a final X"),
        ("1101051949123A002X", "only digits and a final X"),
    ],
)
def test_invalid_numbers_are_rejected(raw, reason):
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw)
    assert reason in caught.value.message.en
    assert "Please ask a member of staff." in caught.value.message.en


def test_february_29_only_in_leap_years():
    assert parse_id_number(_with_check("11010520000229001")).birth_date == date(2000, 2, 29)
    with pytest.raises(InvalidIdNumber, match="birth date"):
        parse_id_number(_with_check("11010519000229001"))
    with pytest.raises(InvalidIdNumber, match="birth date"):
        parse_id_number(_with_check("11010520230229001"))


def test_birth_date_after_today_is_rejected():
    with pytest.raises(InvalidIdNumber, match="birth date"):
        parse_id_number(_with_check("11010520300101002"), today=date(2026, 12, 4))


def test_first_generation_number_is_never_accepted():
    report = check_number("110105491231002")
    assert report.kind is NumberKind.FIRST_GENERATION
    assert not report.valid
    assert "first-generation" in report.errors[0].en
    with pytest.raises(InvalidIdNumber, match="first-generation"):
        parse_id_number("110105491231002")


def test_unknown_province_is_an_error():
    report = check_number(_with_check("20010519491231002"))
    assert not report.valid
    assert "division code 200105 does not exist" in report.errors[0].en


def test_abolished_division_is_a_warning():
    number = parse_id_number(_with_check("11010319700101001"))
    assert number.division_code == "110103"
    assert len(number.warnings) == 1
    assert "abolished" in number.warnings[0].en
    assert "崇文区" in number.warnings[0].zh


def test_division_newer_than_the_list_is_a_warning():
    report = check_number(_with_check("11011819900101001"))
    assert report.valid
    assert "not in this terminal's GB/T 2260 list" in report.warnings[0].en


@pytest.mark.parametrize("division", ["810000", "820000", "830000"])
def test_hong_kong_macao_taiwan_codes_are_valid(division):
    report = check_number(_with_check(f"{division}19900101002"))
    assert report.valid, report.errors
    assert report.kind is NumberKind.HMT_PERMIT
    assert report.warnings == []


def test_foreign_permanent_residence_number_2023():
    report = check_number(_with_check("91184019800101001"))
    assert report.valid, report.errors
    assert report.kind is NumberKind.FOREIGN_PR
    assert report.parsed.birth_date == date(1980, 1, 1)


def test_foreign_permanent_residence_number_2017_is_form_checked_only():
    report = check_number("USA110080101001")
    assert report.kind is NumberKind.FOREIGN_PR_2017
    assert report.valid
    assert "no check character" in report.warnings[0].en


def test_mask_keeps_first_three_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    "first_17, words",
    [
        ("99999919900101001", "not the province code"),
        ("91199919900101001", "not an ISO 3166-1 numeric country code"),
    ],
)
def test_foreign_2023_number_parts_are_checked(first_17, words):
    report = check_number(_with_check(first_17))
    assert not report.valid
    assert any(words in error.en for error in report.errors)


def test_foreign_2017_letters_must_be_a_country():
    report = check_number("ZZZ999999999999")
    assert not report.valid
    assert "not an ISO 3166-1 country code" in report.errors[0].en


def test_other_decimal_digits_fold_to_ascii():
    assert normalise_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X") == "11010519491231002X"


def test_taiwan_province_code_is_not_a_resident_division():
    report = check_number(_with_check("71000019900101001"))
    assert not report.valid
    assert "division code 710000 does not exist" in report.errors[0].en
