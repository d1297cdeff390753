"""Reading emulated passport chips through a real pcscd and the vpcd driver, with pyscard as the client."""

import datetime
import time

import pytest

from devices.errors import CardRemovedError, NoCardError, ReaderTimeoutError
from devices.passport.errors import BacRejected, PaceNotSupported
from kiosk.checks import Outcome
from kiosk.identity.face import FaceMatcher
from kiosk.identity.images import decode_image
from kiosk.identity.mrz import parse_mrz
from kiosk.identity.passport.csca import load_csca_folder
from kiosk.identity.passport.verification import verify_passport_chip
from tests.passport_chip import documents
from tests.passport_chip.conftest import HOLDER_MRZ
from tests.passport_chip.emulator import ChipProfile

NOW = datetime.datetime.now(datetime.timezone.utc)


def _profile(passport, **behaviour) -> ChipProfile:
    return ChipProfile(passport.mrz_information, dict(passport.files), **behaviour)


def _verify(reader, printed_mrz, csca_folder):
    return verify_passport_chip(reader, parse_mrz(printed_mrz), load_csca_folder(csca_folder), NOW)


def _read_binary_offsets(profile: ChipProfile) -> list[int]:
    """Offsets of the READ BINARY commands the chip received (P1-P2 travel in clear under secure messaging)."""
    return [(apdu[2] << 8) | apdu[3] for apdu in profile.commands_seen if apdu[1] == 0xB0]


def test_full_read_passes_bac_and_passive_auth(reader, insert_card, passport, csca_folder):
    insert_card(_profile(passport))

    result = _verify(reader, passport.mrz, csca_folder)

    assert [check.name for check in result.checks] == [
        "chip_access", "dg1_mrz", "dg1_hash", "dg2_hash", "sod_signature",
        "document_signer_chain", "document_signer_validity", "csca_validity", "mrz_matches_chip", "dg2_face",
    ]
    assert all(check.outcome is Outcome.PASS for check in result.checks), [c.to_json() for c in result.checks if not c.passed]
    assert result.passed
    assert result.chip_mrz.primary_identifier == "OBAMA"
    assert result.chip_mrz.secondary_identifier == "BARACK HUSSEIN"
    assert result.face.format == "jpeg"
    assert result.face.data == passport.face
    assert result.chip_read.sod == passport.files[0x011D]


def test_jpeg2000_face_matches_holder_photo(reader, insert_card, faces_dir, face_model, csca, csca_folder):
    rsa_signer = documents.make_document_signer(csca, kind="rsa")
    passport = documents.make_passport(HOLDER_MRZ, faces_dir / "obama.jpg", rsa_signer, jpeg2000=True, pss=True)
    assert 15_000 < len(passport.face) < 25_000
    insert_card(_profile(passport))

    result = _verify(reader, passport.mrz, csca_folder)

    assert result.passed, [c.to_json() for c in result.checks if not c.passed]
    assert result.face.format == "jpeg2000"
    assert result.check("sod_signature").details["signature_algorithm"] == "rsassa_pss"
    matcher = FaceMatcher(face_model)
    chip_face = matcher.describe_single(result.face_rgb, upsample=1)
    same_person = matcher.describe_single(decode_image((faces_dir / "obama2.jpg").read_bytes()))
    other_person = matcher.describe_single(decode_image((faces_dir / "biden.jpg").read_bytes()))
    assert matcher.compare(chip_face, same_person).is_match
    assert not matcher.compare(chip_face, other_person).is_match


def test_wrong_mrz_is_rejected_by_bac(reader, insert_card, passport, csca_folder):
    wrong = documents.td3_mrz("OBAMA", "BARACK HUSSEIN", "X4RT7M2Q1", "UTO", "610805", "M", "320115", "ZE184226B")
    insert_card(_profile(passport))

    with pytest.raises(BacRejected, match="rejected the BAC keys"):
        reader.read_chip(documents.mrz_information(wrong))


def test_wrong_mrz_gives_retry_check(reader, insert_card, passport, csca_folder):
    wrong = documents.td3_mrz("OBAMA", "BARACK HUSSEIN", "X4RT7M2Q7", "UTO", "610804", "M", "320115", "ZE184226B")
    insert_card(_profile(passport))

    result = _verify(reader, wrong, csca_folder)

    assert [check.name for check in result.checks] == ["chip_access"]
    assert result.checks[0].outcome is Outcome.RETRY
    assert "did not accept the MRZ" in result.checks[0].reason.en
    assert result.checks[0].details == {"error": "BacRejected"}


def test_tampered_dg2_fails_its_hash(reader, insert_card, passport, csca_folder):
    profile = _profile(passport)
    dg2 = bytearray(profile.application_files[0x0102])
    dg2[-100] ^= 0x01
    profile.application_files[0x0102] = bytes(dg2)
    insert_card(profile)

    result = _verify(reader, passport.mrz, csca_folder)

    failed = [check for check in result.checks if not check.passed]
    assert [check.name for check in failed] == ["dg2_hash"]
    assert failed[0].outcome is Outcome.FAIL
    assert "DG2" in failed[0].reason.en
    assert "DG2" in failed[0].reason.zh
    assert result.check("dg1_hash").passed


def test_printed_mrz_differing_from_dg1_names_the_field(reader, insert_card, passport, csca_folder):
    # Same number, birth and expiry (so BAC works), but another given name on the page.
    printed = documents.td3_mrz("OBAMA", "BARRY", "X4RT7M2Q1", "UTO", "610804", "M", "320115", "ZE184226B")
    insert_card(_profile(passport))

    result = _verify(reader, printed, csca_folder)

    check = result.check("mrz_matches_chip")
    assert check.outcome is Outcome.FAIL
    assert check.details == {"fields": ["name"]}
    assert check.reason.en.endswith("in: name.")
    assert [c.name for c in result.checks if not c.passed] == ["mrz_matches_chip"]


def test_sod_from_forged_ds_fails_chain(reader, insert_card, faces_dir, csca_folder):
    forger = documents.make_csca()  # same name as the configured CSCA, another key
    passport = documents.make_passport(HOLDER_MRZ, faces_dir / "obama.jpg", documents.make_document_signer(forger))
    insert_card(_profile(passport))

    result = _verify(reader, passport.mrz, csca_folder)

    chain = result.check("document_signer_chain")
    assert chain.outcome is Outcome.FAIL
    assert "not issued by a trusted CSCA" in chain.reason.en
    assert result.check("sod_signature").passed
    assert [c.name for c in result.checks if not c.passed] == ["document_signer_chain"]


def test_ds_of_unknown_state_needs_review(reader, insert_card, faces_dir, csca_folder):
    elsewhere = documents.make_csca("Elsewhere CSCA")
    passport = documents.make_passport(HOLDER_MRZ, faces_dir / "obama.jpg", documents.make_document_signer(elsewhere))
    insert_card(_profile(passport))

    result = _verify(reader, passport.mrz, csca_folder)

    chain = result.check("document_signer_chain")
    assert chain.outcome is Outcome.REVIEW
    assert "CN=Elsewhere CSCA" in chain.details["issuer"]


def test_expired_document_signer_fails_validity(reader, insert_card, faces_dir, csca, csca_folder):
    expired = documents.make_document_signer(
        csca, not_before=NOW - datetime.timedelta(days=4000), not_after=NOW - datetime.timedelta(days=2)
    )
    passport = documents.make_passport(HOLDER_MRZ, faces_dir / "obama.jpg", expired)
    insert_card(_profile(passport))

    result = _verify(reader, passport.mrz, csca_folder)

    validity = result.check("document_signer_validity")
    assert validity.outcome is Outcome.FAIL
    assert f"expired on {expired.certificate.not_valid_after_utc:%Y-%m-%d}" in validity.reason.en
    assert [c.name for c in result.checks if not c.passed] == ["document_signer_validity"]


def test_pace_only_chip_is_reported_not_crashed(reader, insert_card, passport, csca_folder):
    profile = _profile(passport, card_access=documents.pace_card_access(), pace_only=True)
    insert_card(profile)

    with pytest.raises(PaceNotSupported, match="offers only PACE"):
        reader.read_chip(passport.mrz_information)


def test_pace_only_chip_needs_review(reader, insert_card, passport, csca_folder):
    insert_card(_profile(passport, card_access=documents.pace_card_access(), pace_only=True))

    result = _verify(reader, passport.mrz, csca_folder)

    assert [check.name for check in result.checks] == ["chip_access"]
    assert result.checks[0].outcome is Outcome.REVIEW
    assert "PACE" in result.checks[0].reason.en


def test_pace_and_bac_chip_uses_bac(reader, insert_card, passport, csca_folder):
    insert_card(_profile(passport, card_access=documents.pace_card_access()))

    result = _verify(reader, passport.mrz, csca_folder)

    assert result.passed
    assert result.chip_read.card_access == documents.pace_card_access()


def test_card_removed_mid_read_raises_typed_error(reader, insert_card, passport):
    profile = _profile(passport, leave_after=40)  # inside DG2, which takes about 90 READ BINARY commands
    insert_card(profile)

    started = time.monotonic()
    with pytest.raises(CardRemovedError, match="during the read"):
        reader.read_chip(passport.mrz_information)
    assert time.monotonic() - started < 3.0
    assert len(profile.commands_seen) == 41


def test_card_removed_gives_retry_check(reader, insert_card, passport, csca_folder):
    insert_card(_profile(passport, leave_after=12))

    result = _verify(reader, passport.mrz, csca_folder)

    assert result.checks[0].name == "chip_access"
    assert result.checks[0].outcome is Outcome.RETRY
    assert result.checks[0].details == {"error": "CardRemovedError"}


def test_long_dg2_read_in_chunks(reader, insert_card, passport):
    profile = _profile(passport)
    insert_card(profile)

    read = reader.read_chip(passport.mrz_information)

    dg2 = passport.files[0x0102]
    assert len(dg2) > 15_000
    assert dg2[1] == 0x82  # the length is in the long form, two bytes
    assert read.data_groups[2] == dg2
    offsets = _read_binary_offsets(profile)
    assert max(offsets) > 0x4000
    assert max(b - a for a, b in zip(offsets, offsets[1:]) if b > a) <= 0xDF


def test_small_chunks_read_the_same_files(pcscd, insert_card, passport):
    from devices.passport.pcsc_reader import PcscPassportReader
    from tests.passport_chip.pcscd import FIRST_SLOT

    reader = PcscPassportReader(FIRST_SLOT, card_timeout=3.0, chunk_size=0x80, data_groups=(1,))
    insert_card(_profile(passport))
    try:
        read = reader.read_chip(passport.mrz_information)
    finally:
        reader.close()
    assert read.data_groups == {1: passport.files[0x0101]}
    assert read.sod == passport.files[0x011D]


def test_stalled_card_times_out(pcscd, insert_card, passport):
    from devices.passport.pcsc_reader import PcscPassportReader
    from tests.passport_chip.pcscd import FIRST_SLOT

    reader = PcscPassportReader(FIRST_SLOT, card_timeout=3.0, command_timeout=0.5)
    card = insert_card(_profile(passport, stall_after=10))

    started = time.monotonic()
    with pytest.raises(ReaderTimeoutError, match="did not respond within 0.5 s"):
        reader.read_chip(passport.mrz_information)
    assert time.monotonic() - started < 2.0
    card.remove()
    reader.close()


def test_empty_reader_raises_no_card(pcscd, passport):
    from devices.passport.pcsc_reader import PcscPassportReader
    from tests.passport_chip.pcscd import FIRST_SLOT

    reader = PcscPassportReader(FIRST_SLOT, card_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(NoCardError, match="no card on reader"):
        reader.read_chip(passport.mrz_information)
    assert time.monotonic() - started < 1.5
    reader.close()


def test_unknown_reader_name_needs_review(pcscd, passport, csca_folder):
    from devices.errors import ReaderUnavailableError
    from devices.passport.pcsc_reader import PcscPassportReader

    reader = PcscPassportReader("No Such Reader", card_timeout=0.5)
    with pytest.raises(ReaderUnavailableError, match="no PC/SC reader named 'No Such Reader'"):
        reader.read_chip(passport.mrz_information)

    result = _verify(reader, passport.mrz, csca_folder)
    reader.close()
    assert [(check.name, check.outcome) for check in result.checks] == [("chip_access", Outcome.REVIEW)]
    assert result.checks[0].reason.en == "The passport reader is not connected. Please ask a member of staff."


def test_chunk_size_must_fit_short_responses():
    from devices.passport.pcsc_reader import PcscPassportReader

    PcscPassportReader(chunk_size=0xE7)
    with pytest.raises(ValueError, match="outside 1..231"):
        PcscPassportReader(chunk_size=0xE8)


def test_whole_read_is_bounded(pcscd, insert_card, passport):
    from devices.passport.pcsc_reader import PcscPassportReader
    from tests.passport_chip.pcscd import FIRST_SLOT

    reader = PcscPassportReader(FIRST_SLOT, card_timeout=3.0, read_timeout=0.0)
    insert_card(_profile(passport))
    with pytest.raises(ReaderTimeoutError, match="took longer than 0.0 s"):
        reader.read_chip(passport.mrz_information)
    reader.close()
