"""MRZ parsing and checking (kiosk.identity.mrz) on ICAO 9303 specimens and every kind of error."""

import logging
from datetime import date

import pytest

from kiosk.identity.mrz import (
    MrzCharacterError,
    MrzCheckDigitError,
    MrzConfusionSuspected,
    MrzDateError,
    MrzDigitForLetterError,
    MrzFieldError,
    MrzFormat,
    MrzInvalid,
    MrzLayoutError,
    MrzLetterForDigitError,
    bac_key_seed,
    check_digit,
    mask_document_number,
    parse_mrz,
)

TODAY = date(2026, 6, 1)

# The specimens of ICAO Doc 9303, 8th edition (2021), written out from the standard's
# well-known specimen data for "ERIKSSON, ANNA MARIA" of Utopia (UTO): TD3 from part 4,
# appendix A; TD2 from part 6, appendix A; TD1 from part 5, appendix A.
TD3_SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD2_SPECIMEN = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
TD1_SPECIMEN = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
# Part 5's example of a TD1 document number longer than 9 characters (D23145890734),
# continued in the optional data with its check digit 9.
TD1_LONG_NUMBER = "I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
# The 7th-edition TD3 specimen (born 690806, expiring 940623), whose MRZ information
# "L898902C<369080619406236" is the input of the BAC worked example in part 11, appendix D.
TD3_BAC_EXAMPLE = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14"
# Germany's one-letter code padded with fillers, in the layout of its passport specimen.
TD3_GERMANY = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"


def _problems(text: str) -> list[tuple[str, str | None]]:
    return [(error.code, error.field) for error in parse_mrz(text, TODAY).errors]


def _with_line2(specimen: str, column: int, character: str) -> str:
    """Replace the character at ``column`` (counted from 1) of line 2."""
    line1, line2 = specimen.splitlines()
    return line1 + "\n" + line2[: column - 1] + character + line2[column:]


# --- specimens --------------------------------------------------------------------


def test_td3_specimen_fields():
    mrz = parse_mrz(TD3_SPECIMEN, TODAY)

    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.format is MrzFormat.TD3
    assert mrz.document_code == "P"
    assert mrz.issuing_state == "UTO"
    assert mrz.primary_identifier == "ERIKSSON"
    assert mrz.secondary_identifier == "ANNA MARIA"
    assert mrz.document_number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert mrz.birth_date == date(1974, 8, 12)
    assert mrz.sex == "F"
    assert mrz.expiry_date == date(2012, 4, 15)
    assert mrz.raw["optional_data"] == "ZE184226B<<<<<"
    assert not mrz.name_possibly_truncated
    assert mrz.warnings == ()


def test_td2_specimen_fields():
    mrz = parse_mrz(TD2_SPECIMEN, TODAY)

    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.format is MrzFormat.TD2
    assert (mrz.document_code, mrz.issuing_state, mrz.document_number) == ("I", "UTO", "D23145890")
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date) == (date(1974, 8, 12), "F", date(2012, 4, 15))
    assert mrz.fields_json()["optional_data"] == ""


def test_td1_specimen_fields():
    mrz = parse_mrz(TD1_SPECIMEN, TODAY)

    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.format is MrzFormat.TD1
    assert (mrz.document_code, mrz.issuing_state, mrz.document_number) == ("I", "UTO", "D23145890")
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert (mrz.birth_date, mrz.sex, mrz.expiry_date, mrz.nationality) == (date(1974, 8, 12), "F", date(2012, 4, 15), "UTO")
    assert set(mrz.fields_json()) >= {"optional_data", "optional_data_2"}


def test_td1_long_document_number_continues_in_optional_data():
    mrz = parse_mrz(TD1_LONG_NUMBER, TODAY)

    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.document_number == "D23145890734"
    assert mrz.raw["optional_data"] == "<<<<<<<<<<"
    assert bac_key_seed(mrz).mrz_information == "D23145890734" + "9" + "7408122" + "1204159"


def test_td1_long_number_with_wrong_check_digit():
    text = TD1_LONG_NUMBER.replace("7349<", "7348<")
    assert ("check_digit", "optional_data") in _problems(text)


def test_one_letter_state_code_with_fillers():
    mrz = parse_mrz(TD3_GERMANY, TODAY)

    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.issuing_state == "D"
    assert mrz.nationality == "D"
    assert mrz.raw["issuing_state"] == "D<<"
    assert mrz.raw["optional_data_check"] == "<"


def test_single_line_of_88_characters_is_split():
    mrz = parse_mrz(TD3_SPECIMEN.replace("\n", ""), TODAY)
    assert mrz.valid
    assert mrz.format is MrzFormat.TD3


def test_crlf_and_surrounding_whitespace_are_accepted():
    mrz = parse_mrz("\r\n  " + TD3_SPECIMEN.replace("\n", "  \r\n") + "\r\n\r\n", TODAY)
    assert mrz.valid


# --- check digits and BAC ---------------------------------------------------------


@pytest.mark.parametrize(
    ("characters", "expected"),
    [("L898902C3", 6), ("740812", 2), ("120415", 9), ("D23145890734", 9), ("L898902C<", 3), ("<<<<<<<<<", 0)],
)
def test_check_digit_values(characters, expected):
    assert check_digit(characters) == expected


def test_check_digit_rejects_foreign_characters():
    with pytest.raises(ValueError, match="no check digit value"):
        check_digit("l898")


def test_bac_key_seed_of_worked_example():
    seed = bac_key_seed(parse_mrz(TD3_BAC_EXAMPLE, TODAY))

    assert seed.mrz_information == "L898902C<369080619406236"
    assert seed.k_seed.hex().upper() == "239AB9CB282DAF66231DC5A4DF6BFBAE"
    assert "L898902C" not in repr(seed)


def test_bac_key_seed_of_specimens():
    assert bac_key_seed(parse_mrz(TD3_SPECIMEN, TODAY)).mrz_information == "L898902C3674081221204159"
    assert bac_key_seed(parse_mrz(TD2_SPECIMEN, TODAY)).mrz_information == "D23145890774081221204159"
    assert bac_key_seed(parse_mrz(TD1_SPECIMEN, TODAY)).mrz_information == "D23145890774081221204159"


def test_bac_key_seed_refuses_invalid_mrz():
    with pytest.raises(MrzInvalid) as raised:
        bac_key_seed(parse_mrz(_with_line2(TD3_SPECIMEN, 10, "7"), TODAY))
    assert [error.code for error in raised.value.errors] == ["check_digit", "check_digit"]


# --- names ------------------------------------------------------------------------


def test_hyphenated_and_multiple_names_are_split_on_fillers():
    # SMITH-JONES, MARY ANN: the hyphen and the space are both written as '<'.
    mrz = parse_mrz("P<UTOSMITH<JONES<<MARY<ANN<<<<<<<<<<<<<<<<<<\nP1234567<1UTO9001011F3001019<<<<<<<<<<<<<<<4", TODAY)
    assert mrz.valid
    assert mrz.primary_identifier == "SMITH JONES"
    assert mrz.secondary_identifier == "MARY ANN"


def test_apostrophe_is_left_out_of_the_mrz():
    # O'NEILL, SEAN: the apostrophe is omitted, so the MRZ reads ONEILL.
    mrz = parse_mrz("P<UTOONEILL<<SEAN<<<<<<<<<<<<<<<<<<<<<<<<<<<\nP7654321<9UTO8506151M310615412345<<<<<<<<<98", TODAY)
    assert mrz.valid
    assert mrz.primary_identifier == "ONEILL"
    assert mrz.raw["optional_data"].rstrip("<") == "12345"


def test_apostrophe_typed_into_the_mrz_is_reported():
    text = "P<UTOO'NEILL<<SEAN<<<<<<<<<<<<<<<<<<<<<<<<<<\nP7654321<9UTO8506151M310615412345<<<<<<<<<98"
    error = parse_mrz(text, TODAY).errors[0]
    assert isinstance(error, MrzCharacterError)
    assert error.field == "name"
    assert error.columns == ((1, 7),)
    assert "apostrophe is left out" in error.message.en


def test_hyphen_typed_into_the_mrz_is_reported():
    text = "P<UTOSMITH-JONES<<MARY<ANN<<<<<<<<<<<<<<<<<<\nP1234567<1UTO9001011F3001019<<<<<<<<<<<<<<<4"
    error = parse_mrz(text, TODAY).errors[0]
    assert error.code == "invalid_character"
    assert "hyphen is written as <" in error.message.en


def test_single_name_has_no_secondary_identifier():
    mrz = parse_mrz("P<UTOMADONNA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nP0000001<8UTO5808164F2908166<<<<<<<<<<<<<<<0", TODAY)
    assert mrz.valid
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("MADONNA", "")
    assert mrz.warnings == ()


def test_name_filling_its_field_is_flagged_truncated():
    mrz = parse_mrz("P<UTOWOLFESCHLEGELSTEINHAUSENBERGERDORFF<<HU\nP5555555<0UTO7412316M3012316<<<<<<<<<<<<<<<4", TODAY)
    assert mrz.valid
    assert mrz.name_possibly_truncated
    assert mrz.secondary_identifier == "HU"
    assert [warning.code for warning in mrz.warnings] == ["name_possibly_truncated"]


def test_empty_primary_identifier_is_invalid():
    text = TD3_SPECIMEN.replace("ERIKSSON<<ANNA<MARIA", "<<ANNA<MARIA<<<<<<<<")
    assert ("invalid_field", "name") in _problems(text)


def test_digit_one_in_name_is_a_confusion():
    errors = parse_mrz(TD3_SPECIMEN.replace("ERIKSSON", "ER1KSSON"), TODAY).errors
    assert len(errors) == 1
    assert isinstance(errors[0], MrzDigitForLetterError)
    assert errors[0].columns == ((1, 8),)
    assert "digit 0 or 1" in errors[0].message.en


# --- characters, codes and confusions ---------------------------------------------


def test_lower_case_is_reported_not_corrected():
    mrz = parse_mrz(TD3_SPECIMEN.replace("ERIKSSON", "Eriksson"), TODAY)
    assert not mrz.valid
    assert [(error.code, error.field) for error in mrz.errors] == [("invalid_character", "name")]
    assert len(mrz.errors[0].columns) == 7
    assert "capital letters" in mrz.errors[0].message.en


def test_letter_o_in_birth_date():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 16, "O"), TODAY).errors
    assert isinstance(errors[0], MrzLetterForDigitError)
    assert (errors[0].field, errors[0].columns) == ("birth_date", ((2, 16),))
    assert "letter O or I" in errors[0].message.en


def test_letter_i_in_check_digit():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 10, "I"), TODAY).errors
    assert isinstance(errors[0], MrzLetterForDigitError)
    assert errors[0].field == "document_number_check"


def test_digit_zero_in_state_code():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 13, "0"), TODAY).errors
    assert [(type(error), error.field) for error in errors] == [(MrzDigitForLetterError, "nationality")]


def test_other_letter_in_numeric_field():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 23, "S"), TODAY).errors
    assert [(error.code, error.field) for error in errors][0] == ("invalid_character", "expiry_date")
    assert "contains letters" in errors[0].message.en


def test_letter_o_in_document_number():
    # An OCR that reads the 0 of L898902C3 as O breaks the check digit, and the error names the swap that fixes it.
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 6, "O"), TODAY).errors
    assert isinstance(errors[0], MrzConfusionSuspected)
    assert errors[0].field == "document_number_check"
    assert "'0' in place of 'O' at position 6" in errors[0].detail
    assert "L8989O2C3" not in errors[0].detail
    assert ("check_digit", "composite_check") in [(error.code, error.field) for error in errors]


def test_wrong_check_digit_without_confusion():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 20, "3"), TODAY).errors
    assert [(type(error), error.field) for error in errors] == [
        (MrzCheckDigitError, "birth_date_check"),
        (MrzCheckDigitError, "composite_check"),
    ]
    assert errors[0].detail == "check digit of birth_date is 3, expected 2"


def test_wrong_composite_check_digit():
    assert _problems(_with_line2(TD3_SPECIMEN, 44, "1")) == [("check_digit", "composite_check")]


def test_filler_check_digit_for_empty_optional_data():
    mrz = parse_mrz("P<UTOMADONNA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nP0000001<8UTO5808164F2908166<<<<<<<<<<<<<<<0", TODAY)
    assert mrz.raw["optional_data_check"] == "<"
    assert mrz.valid


def test_filler_check_digit_with_optional_data_is_invalid():
    text = _with_line2(TD3_SPECIMEN, 43, "<")
    assert ("invalid_character", "optional_data_check") in _problems(text)


def test_filler_as_document_number_check_in_td3():
    assert ("invalid_character", "document_number_check") in _problems(_with_line2(TD3_SPECIMEN, 10, "<"))


def test_invalid_state_code_shape():
    assert _problems(TD3_SPECIMEN.replace("P<UTO", "P<U<O")) == [("invalid_field", "issuing_state")]
    assert ("invalid_field", "issuing_state") in _problems(TD3_SPECIMEN.replace("P<UTO", "P<<<<"))


def test_invalid_sex_code():
    assert ("invalid_field", "sex") in _problems(_with_line2(TD3_SPECIMEN, 21, "Q"))


def test_unspecified_sex_is_accepted():
    mrz = parse_mrz("P<UTOMADONNA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nP0000001<8UTO5808164<2908166<<<<<<<<<<<<<<<0", TODAY)
    assert mrz.valid
    assert mrz.sex == "<"


def test_document_code_must_fit_the_format():
    errors = parse_mrz(TD3_SPECIMEN.replace("P<UTO", "I<UTO"), TODAY).errors
    assert [(type(error), error.field) for error in errors] == [(MrzFieldError, "document_code")]


def test_every_problem_is_listed():
    text = TD3_SPECIMEN.replace("ERIKSSON", "ER1KSSON")
    text = _with_line2(text, 16, "O")
    text = _with_line2(text, 21, "Q")
    text = _with_line2(text, 28, "0")

    codes = {(error.code, error.field) for error in parse_mrz(text, TODAY).errors}
    assert codes == {
        ("digit_for_letter", "name"),
        ("letter_for_digit", "birth_date"),
        ("invalid_field", "sex"),
        ("check_digit", "expiry_date_check"),
        ("check_digit", "composite_check"),
    }


def test_require_valid_lists_every_error():
    mrz = parse_mrz(_with_line2(_with_line2(TD3_SPECIMEN, 16, "O"), 21, "Q"), TODAY)
    with pytest.raises(MrzInvalid) as raised:
        mrz.require_valid()
    assert len(raised.value.errors) == len(mrz.errors) >= 2
    assert raised.value.message == mrz.errors[0].message


# --- dates ------------------------------------------------------------------------


def test_birth_century_never_in_the_future():
    text = TD3_GERMANY.replace("6408125", "2606015")
    assert parse_mrz(text, date(2026, 6, 1)).birth_date == date(2026, 6, 1)
    assert parse_mrz(text, date(2026, 5, 31)).birth_date == date(1926, 6, 1)


def test_expiry_is_always_this_century():
    mrz = parse_mrz("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14", TODAY)
    assert mrz.expiry_date == date(2094, 6, 23)


def test_impossible_date_is_reported():
    # 1974-02-30: digits only, so only the calendar is wrong.
    errors = parse_mrz(_with_line2(_with_line2(TD3_SPECIMEN, 16, "0"), 18, "3"), TODAY).errors
    assert isinstance(errors[0], MrzDateError)
    assert errors[0].field == "birth_date"


def test_unknown_birth_month_and_day():
    mrz = parse_mrz("P<UTODOE<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nQ1234567<8UTO74<<<<1M3012316<<<<<<<<<<<<<<<0", TODAY)
    assert mrz.valid, [error.detail for error in mrz.errors]
    assert mrz.birth_date is None
    assert [warning.code for warning in mrz.warnings] == ["birth_date_incomplete"]


def test_fillers_inside_a_birth_date_are_invalid():
    errors = parse_mrz(_with_line2(TD3_SPECIMEN, 15, "<"), TODAY).errors
    assert isinstance(errors[0], MrzDateError)


def test_filler_in_expiry_date_is_invalid():
    assert ("invalid_character", "expiry_date") in _problems(_with_line2(TD3_SPECIMEN, 26, "<"))


# --- layout -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "P<UTO", TD3_SPECIMEN + "\nEXTRA<LINE", TD3_SPECIMEN[:-1], TD1_SPECIMEN.replace("ERIKSSON<<", "ERIKSSON<")],
)
def test_wrong_layout_has_no_format(text):
    mrz = parse_mrz(text, TODAY)
    assert mrz.format is None
    assert not mrz.valid
    assert [type(error) for error in mrz.errors] == [MrzLayoutError]
    assert mrz.fields_json() == {}


def test_wrong_line_length_names_the_line():
    error = parse_mrz(TD3_SPECIMEN[:-1], TODAY).errors[0]
    assert str(error) == "TD3 lines have 44 characters; line 2 has 43"


def test_visa_is_not_supported():
    visa = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
    error = parse_mrz(visa, TODAY).errors[0]
    assert isinstance(error, MrzLayoutError)
    assert "visa" in error.detail


def test_to_json_shape():
    payload = parse_mrz(_with_line2(TD3_SPECIMEN, 16, "O"), TODAY).to_json()
    assert set(payload) == {"valid", "format", "fields", "errors", "warnings"}
    assert payload["format"] == "TD3"
    assert payload["errors"][0]["code"] == "letter_for_digit"
    assert payload["errors"][0]["columns"] == [[2, 16]]
    assert set(payload["errors"][0]["message"]) == {"zh", "en"}


def test_parse_rejects_bytes():
    with pytest.raises(TypeError):
        parse_mrz(TD3_SPECIMEN.encode(), TODAY)


# --- logs -------------------------------------------------------------------------


def test_logs_mask_the_document_number(caplog):
    with caplog.at_level(logging.INFO, logger="kiosk.identity.mrz"):
        parse_mrz(_with_line2(TD3_SPECIMEN, 44, "1"), TODAY)
    logged = caplog.text
    assert "L******C3" in logged
    assert "L898902C3" not in logged
    assert "ERIKSSON" not in logged


def test_mask_document_number():
    assert mask_document_number("L898902C3") == "L******C3"
    assert mask_document_number("D23145890734") == "D*********34"
    assert mask_document_number("AB12") == "****"
