"""Fixtures for chip tests: a private pcscd with the vpcd driver, emulated passports and their PKI.

libpcsclite reads PCSCLITE_CSOCK_NAME once per process, at the first PC/SC call, so
this module points it at the private daemon's socket when pytest imports it during
collection, before any test runs. No other test in this process may use PC/SC with
another daemon.
"""

import time

import pytest
from smartcard import scard

from devices.passport.pcsc_reader import PcscPassportReader
from tests.passport_chip import documents
from tests.passport_chip.emulator import ChipProfile, PassportChip, VpcdCard
from tests.passport_chip.pcscd import FIRST_SLOT, PcscdUnavailable, PrivatePcscd, private_socket_path

SOCKET_PATH = private_socket_path()

# A TD3 MRZ valid for years to come, in the layout of the ICAO 9303 specimen.
HOLDER_MRZ = documents.td3_mrz("OBAMA", "BARACK HUSSEIN", "X4RT7M2Q1", "UTO", "610804", "M", "320115", "ZE184226B")


@pytest.fixture(scope="session")
def pcscd():
    """One private pcscd for the test session, ended by its pid afterwards; its folder goes at exit."""
    try:
        daemon = PrivatePcscd(SOCKET_PATH).start()
    except PcscdUnavailable as error:
        pytest.fail(f"cannot start a private pcscd with vpcd: {error}")
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def csca():
    return documents.make_csca()


@pytest.fixture(scope="session")
def document_signer(csca):
    return documents.make_document_signer(csca)


@pytest.fixture(scope="session")
def csca_folder(tmp_path_factory, csca):
    """A branch's CSCA folder holding the test CSCA, as PEM."""
    folder = tmp_path_factory.mktemp("csca")
    (folder / "utopia.pem").write_bytes(documents.csca_pem(csca))
    return folder


@pytest.fixture(scope="session")
def passport(faces_dir, document_signer):
    """A passport of the holder of obama.jpg, its face stored as JPEG and signed with ECDSA."""
    return documents.make_passport(HOLDER_MRZ, faces_dir / "obama.jpg", document_signer)


def _wait_until_reader_empty(timeout: float = 5.0) -> None:
    """Wait until pcscd has seen the emulated card leave, so the next test starts with an empty reader."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hresult)
    try:
        deadline = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < deadline:
            hresult, states = scard.SCardGetStatusChange(context, 500, [(FIRST_SLOT, state)])
            if hresult == scard.SCARD_S_SUCCESS:
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                if state & scard.SCARD_STATE_EMPTY:
                    return
        raise AssertionError(f"reader {FIRST_SLOT} still reports a card {timeout} s after it was removed")
    finally:
        scard.SCardReleaseContext(context)


@pytest.fixture
def insert_card(pcscd):
    """Return a function that puts an emulated chip with a given profile into the reader."""
    cards: list[VpcdCard] = []

    def insert(profile: ChipProfile) -> VpcdCard:
        card = VpcdCard(pcscd.port, PassportChip(profile)).insert()
        cards.append(card)
        return card

    yield insert
    for card in cards:
        card.remove()
    _wait_until_reader_empty()
    for card in cards:
        assert card.error is None, f"the emulated chip failed: {card.error!r}"


@pytest.fixture
def reader(pcscd):
    driver = PcscPassportReader(FIRST_SLOT, card_timeout=3.0, command_timeout=2.0)
    yield driver
    driver.close()
