"""Fuzzing the parsers of untrusted passport input: nothing escapes but each module's own typed errors.

Each test runs a bounded number of examples without a deadline; together they take a
few seconds. Structured strategies (MRZ-shaped text, mutated valid files) reach past
the first length check into the deeper code.
"""

import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.passport.apdu import ResponseApdu
from devices.passport.bac import SessionKeys
from devices.passport.errors import SecureMessagingError
from devices.passport.secure_messaging import SecureChannel
from kiosk.identity.mrz import MRZ_CHARACTERS, MrzInvalid, bac_key_seed, parse_mrz
from kiosk.identity.passport.csca import CscaStore
from kiosk.identity.passport.dg2 import parse_dg2
from kiosk.identity.passport.errors import DataGroupError, SodError
from kiosk.identity.passport.lds import parse_dg1
from kiosk.identity.passport.passive_auth import passive_authentication
from kiosk.identity.passport.sod import parse_sod
from tests.passport_chip import documents
from tests.test_mrz import TD1_SPECIMEN, TD2_SPECIMEN, TD3_SPECIMEN

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime.datetime.now(datetime.timezone.utc)

_MRZ_ALPHABET = sorted(MRZ_CHARACTERS) + ["O", "I", "0", "1", "a", "-", "'", " ", "é"]


def _mrz_shaped() -> st.SearchStrategy[str]:
    """Lines of the right count and length, mostly of MRZ characters, with some confusable and foreign ones."""
    def lines(count: int, width: int):
        line = st.text(alphabet=_MRZ_ALPHABET, min_size=width, max_size=width)
        return st.lists(line, min_size=count, max_size=count).map("\n".join)

    return st.one_of(lines(2, 44), lines(2, 36), lines(3, 30))


def _mutated(specimen: str) -> st.SearchStrategy[str]:
    """A specimen with a few characters replaced, which keeps most fields valid."""
    positions = st.lists(st.integers(0, len(specimen) - 1), min_size=1, max_size=4)
    replacements = st.lists(st.sampled_from(_MRZ_ALPHABET), min_size=4, max_size=4)

    def apply(changes):
        chosen_positions, characters = changes
        text = list(specimen)
        for position, character in zip(chosen_positions, characters):
            if text[position] != "\n":
                text[position] = character
        return "".join(text)

    return st.tuples(positions, replacements).map(apply)


def _assert_result_is_consistent(text: str) -> None:
    result = parse_mrz(text)
    json.dumps(result.to_json(), ensure_ascii=False)
    assert result.valid == (result.format is not None and not result.errors)
    try:
        seed = bac_key_seed(result)
    except MrzInvalid as error:
        assert not result.valid
        assert error.errors == result.errors
    else:
        assert len(seed.mrz_information) >= 24


@FUZZ
@given(st.one_of(st.text(max_size=200), _mrz_shaped()))
def test_mrz_parser_takes_any_text(text):
    _assert_result_is_consistent(text)


@FUZZ
@given(st.one_of(_mutated(TD3_SPECIMEN), _mutated(TD2_SPECIMEN), _mutated(TD1_SPECIMEN)))
def test_mrz_parser_takes_mutated_specimens(text):
    _assert_result_is_consistent(text)


def _bytes_or_mutations(valid: bytes) -> st.SearchStrategy[bytes]:
    flips = st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), min_size=1, max_size=6)

    def apply(changes):
        data = bytearray(valid)
        for position, value in changes:
            data[position] = value
        return bytes(data)

    cut = st.integers(0, len(valid)).map(lambda end: valid[:end])
    return st.one_of(st.binary(max_size=300), flips.map(apply), cut)


@FUZZ
@given(_bytes_or_mutations(documents.make_dg1(TD3_SPECIMEN)))
def test_dg1_parser_raises_only_data_group_error(data):
    try:
        result = parse_dg1(data)
    except DataGroupError:
        return
    json.dumps(result.to_json(), ensure_ascii=False)


@FUZZ
@given(_bytes_or_mutations(documents.make_dg2(b"\xff\xd8\xff\xe0" + bytes(60), False, 10, 12)))
def test_dg2_parser_raises_only_data_group_error(data):
    try:
        parse_dg2(data)
    except DataGroupError:
        pass


@pytest.fixture(scope="module")
def signed_sod():
    csca = documents.make_csca()
    files = {1: documents.make_dg1(TD3_SPECIMEN)}
    return documents.make_sod(files, documents.make_document_signer(csca)), files, CscaStore((csca.certificate,))


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_sod_parser_raises_only_sod_error(signed_sod):
    sod, files, store = signed_sod

    @FUZZ
    @given(_bytes_or_mutations(sod))
    def run(data):
        try:
            parse_sod(data)
        except SodError:
            pass
        checks = passive_authentication(data, files, store, NOW)
        assert checks
        if all(check.passed for check in checks):
            # Unsigned parts of a SignedData (its version, say) may change; what was signed may not.
            accepted, original = parse_sod(data), parse_sod(sod)
            assert accepted.e_content == original.e_content
            assert accepted.signed_attributes == original.signed_attributes

    run()


_SESSION = SessionKeys(bytes(range(16)), bytes(range(16, 32)), 41)


def _protected_objects() -> st.SearchStrategy[bytes]:
    """Sequences of DO'87', DO'99' and DO'8E' with random contents, lengths and order."""
    obj = st.tuples(st.sampled_from([0x87, 0x99, 0x8E, 0x85, 0x97]), st.binary(max_size=40)).map(
        lambda item: bytes([item[0], len(item[1])]) + item[1]
    )
    return st.lists(obj, max_size=4).map(b"".join)


@FUZZ
@given(st.one_of(st.binary(max_size=300), _protected_objects()), st.integers(0, 0xFFFF))
def test_unwrapper_raises_only_secure_messaging_error(data, status):
    channel = SecureChannel(_SESSION)
    try:
        channel.unwrap(ResponseApdu(data, status))
    except SecureMessagingError:
        assert channel.closed
