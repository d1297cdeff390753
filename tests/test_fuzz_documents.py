"""Card text blocks and identity numbers under arbitrary input: only the modules' own typed errors escape."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.idcard.reader import CardRead
from devices.idcard.text_block import (
    CARD_TYPE_OFFSET,
    HmtPermitTextFields,
    ResidentTextFields,
    decode_text_block,
    encode_text_block,
)
from kiosk.errors import CounterSignError, InvalidIdNumber
from kiosk.identity.cards import parse_card
from kiosk.identity.id_number import check_number, parse_id_number

TODAY = date(2026, 12, 4)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLAGS = st.sampled_from([" ", "J", "I", "Y", "Z", "\x00"])


@FUZZ
@given(st.binary(min_size=256, max_size=256), FLAGS)
def test_random_blocks_raise_only_value_errors(block, flag):
    block = block[:CARD_TYPE_OFFSET] + flag.encode("utf-16-le") + block[CARD_TYPE_OFFSET + 2 :]
    try:
        decode_text_block(block)
    except ValueError:
        pass


@FUZZ
@given(st.binary(min_size=0, max_size=300), FLAGS)
def test_random_reads_raise_only_typed_errors(block, flag):
    if len(block) >= CARD_TYPE_OFFSET + 2:
        block = block[:CARD_TYPE_OFFSET] + flag.encode("utf-16-le") + block[CARD_TYPE_OFFSET + 2 :]
    try:
        parse_card(CardRead(block, b""), b"", TODAY)
    except CounterSignError:
        pass


_DIGITS = st.text(alphabet="0123456789X长期 ", min_size=0, max_size=18)
_TEXT = st.text(alphabet=st.characters(codec="utf-16", exclude_categories=("Cs",)), max_size=15)


@FUZZ
@given(_TEXT, _DIGITS, _DIGITS, _DIGITS, _DIGITS, _DIGITS, _DIGITS)
def test_plausible_resident_fields_raise_only_typed_errors(name, sex, ethnicity, birth, number, valid_from, valid_to):
    fields = ResidentTextFields(name, sex[:1], ethnicity[:2], birth[:8], "", number, "", valid_from[:8], valid_to[:8])
    try:
        block = encode_text_block(fields)
    except ValueError:
        return
    try:
        parse_card(CardRead(block, b""), b"", TODAY)
    except CounterSignError:
        pass


@FUZZ
@given(_TEXT, _DIGITS, _DIGITS, _DIGITS, st.text(max_size=9), _DIGITS)
def test_plausible_permit_fields_raise_only_typed_errors(name, birth, number, valid_to, pass_number, count):
    fields = HmtPermitTextFields(name, "1", birth[:8], "", number, "", "20200101", valid_to[:8], pass_number, count[:2])
    try:
        block = encode_text_block(fields)
    except ValueError:
        return
    try:
        parse_card(CardRead(block, b""), b"", TODAY)
    except CounterSignError:
        pass


@FUZZ
@given(st.text(max_size=40))
def test_number_checks_never_raise(raw):
    report = check_number(raw, TODAY)
    assert report.valid is (not report.errors)
    try:
        parse_id_number(raw, TODAY)
    except InvalidIdNumber:
        assert not report.valid or report.kind.value == "foreign_pr_2017"
