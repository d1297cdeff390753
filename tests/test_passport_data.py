"""Passport data groups, EF.SOD, passive authentication and the MRZ cross-check, on files built by the tests."""

import datetime

import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.checks import Outcome
from kiosk.identity.images import decode_image
from kiosk.identity.mrz import parse_mrz
from kiosk.identity.passport.crosscheck import check_mrz_matches_chip
from kiosk.identity.passport.csca import load_csca_folder
from kiosk.identity.passport.dg2 import parse_dg2
from kiosk.identity.passport.errors import CscaStoreError, DataGroupError, SodError
from kiosk.identity.passport.lds import parse_com, parse_dg1
from kiosk.identity.passport.passive_auth import passive_authentication
from kiosk.identity.passport.sod import parse_sod
from tests.passport_chip import documents
from tests.test_mrz import TD1_LONG_NUMBER, TD1_SPECIMEN, TD3_SPECIMEN

NOW = datetime.datetime.now(datetime.timezone.utc)


@pytest.fixture(scope="module")
def csca():
    return documents.make_csca()


@pytest.fixture(scope="module")
def csca_folder(tmp_path_factory, csca):
    folder = tmp_path_factory.mktemp("csca")
    (folder / "utopia.pem").write_bytes(documents.csca_pem(csca))
    return folder


@pytest.fixture(scope="module")
def jpeg_face(faces_dir):
    return documents.face_image(faces_dir / "obama.jpg", jpeg2000=False)


# --- EF.COM, DG1 ------------------------------------------------------------------


def test_com_lists_data_groups():
    com = parse_com(documents.make_com(b"\x61\x75\x6e"))
    assert com.data_groups == (1, 2, 14)
    assert (com.lds_version, com.unicode_version) == ("0107", "040000")


def test_com_with_unknown_tag_is_rejected():
    with pytest.raises(DataGroupError, match="unknown data group tags 99"):
        parse_com(documents.make_com(b"\x61\x99"))


@pytest.mark.parametrize("mrz", [TD3_SPECIMEN, TD1_SPECIMEN, TD1_LONG_NUMBER])
def test_dg1_holds_the_mrz(mrz):
    chip_mrz = parse_dg1(documents.make_dg1(mrz))
    assert chip_mrz.valid
    assert chip_mrz.lines == tuple(mrz.splitlines())


@pytest.mark.parametrize(
    ("dg1", "message"),
    [
        (documents.tlv(0x62, b""), "expected 61"),
        (documents.tlv(0x61, documents.tlv(0x5F1E, b"x")), "no object with tag 5F1F"),
        (documents.tlv(0x61, documents.tlv(0x5F1F, "Ä".encode() * 44)), "not ASCII"),
        (documents.tlv(0x61, documents.tlv(0x5F1F, b"P<UTO")), "has 5 characters"),
        (documents.make_dg1(TD3_SPECIMEN) + b"\x00", "bytes after its template"),
        (b"\x61\x82\xff", "not well-formed"),
    ],
)
def test_malformed_dg1_raises_data_group_error(dg1, message):
    with pytest.raises(DataGroupError, match=message):
        parse_dg1(dg1)


def test_dg1_with_bad_check_digit_parses_with_errors():
    line1, line2 = TD3_SPECIMEN.splitlines()
    chip_mrz = parse_dg1(documents.make_dg1(line1 + "\n" + line2[:-1] + "1"))
    assert not chip_mrz.valid
    assert [error.field for error in chip_mrz.errors] == ["composite_check"]


# --- DG2 --------------------------------------------------------------------------


def test_dg2_jpeg_face_is_extracted(jpeg_face):
    image, width, height = jpeg_face
    face = parse_dg2(documents.make_dg2(image, False, width, height))
    assert (face.format, face.width, face.height, face.data) == ("jpeg", width, height, image)
    assert decode_image(face.data).shape == (height, width, 3)
    assert repr(face) == f"FaceImage(jpeg, {width}x{height}, {len(image)} bytes)"


def test_dg2_jpeg2000_face_is_extracted_and_decoded(faces_dir):
    image, width, height = documents.face_image(faces_dir / "obama.jpg", jpeg2000=True)
    face = parse_dg2(documents.make_dg2(image, True, width, height))
    assert face.format == "jpeg2000"
    assert decode_image(face.data).shape == (height, width, 3)


def test_dg2_type_not_matching_image_is_rejected(jpeg_face):
    image, width, height = jpeg_face
    with pytest.raises(DataGroupError, match="signature of its data type 1"):
        parse_dg2(documents.make_dg2(image, True, width, height))


def test_dg2_enciphered_face_is_rejected():
    dg2 = documents.tlv(0x75, documents.tlv(0x7F61, documents.tlv(0x02, b"\x01") + documents.tlv(0x7F60, documents.tlv(0x7F2E, b"x"))))
    with pytest.raises(DataGroupError, match="enciphered"):
        parse_dg2(dg2)


def test_dg2_wrong_record_header_is_rejected(jpeg_face):
    image, width, height = jpeg_face
    dg2 = documents.make_dg2(image, False, width, height).replace(b"FAC\x00010\x00", b"FAC\x00030\x00")
    with pytest.raises(DataGroupError, match="19794-5:2005"):
        parse_dg2(dg2)


def test_dg2_truncated_record_is_rejected(jpeg_face):
    image, width, height = jpeg_face
    with pytest.raises(DataGroupError):
        parse_dg2(documents.make_dg2(image, False, width, height)[:-10])


# --- EF.SOD and passive authentication --------------------------------------------


def _files(face):
    image, width, height = face
    return {1: documents.make_dg1(TD3_SPECIMEN), 2: documents.make_dg2(image, False, width, height)}


def test_sod_lists_hashes_and_signer(csca, jpeg_face):
    signer = documents.make_document_signer(csca)
    sod = parse_sod(documents.make_sod(_files(jpeg_face), signer, hash_name="sha384"))
    assert sod.hash_algorithm == "sha384"
    assert sorted(sod.data_group_hashes) == [1, 2]
    assert sod.signer == signer.certificate
    assert sod.signature_algorithm == "ecdsa"


@pytest.mark.parametrize(("kind", "pss"), [("rsa", False), ("rsa", True), ("ec", False)])
def test_passive_authentication_passes_for_each_signature_scheme(csca, csca_folder, jpeg_face, kind, pss):
    files = _files(jpeg_face)
    sod = documents.make_sod(files, documents.make_document_signer(csca, kind=kind), pss=pss)

    checks = passive_authentication(sod, files, load_csca_folder(csca_folder), NOW)

    assert [check.name for check in checks] == [
        "dg1_hash", "dg2_hash", "sod_signature", "document_signer_chain", "document_signer_validity", "csca_validity",
    ]
    assert all(check.passed for check in checks), [check.to_json() for check in checks if not check.passed]


def test_data_group_missing_from_sod_fails(csca, csca_folder, jpeg_face):
    files = _files(jpeg_face)
    sod = documents.make_sod({1: files[1]}, documents.make_document_signer(csca))

    checks = passive_authentication(sod, files, load_csca_folder(csca_folder), NOW)

    dg2 = next(check for check in checks if check.name == "dg2_hash")
    assert dg2.outcome is Outcome.FAIL
    assert dg2.reason.en == "The security object (SOD) has no hash for DG2."


def test_altered_signature_fails(csca, csca_folder, jpeg_face):
    files = _files(jpeg_face)
    signer = documents.make_document_signer(csca, kind="rsa")
    sod = bytearray(documents.make_sod(files, signer))
    sod[-5] ^= 0x01  # inside the RSA signature, the last field of the SOD

    checks = passive_authentication(bytes(sod), files, load_csca_folder(csca_folder), NOW)

    signature = next(check for check in checks if check.name == "sod_signature")
    assert signature.outcome is Outcome.FAIL
    assert signature.details["error"] == "signature does not verify with the document signer's key"


def test_empty_csca_folder_trusts_nothing(tmp_path, csca, jpeg_face):
    files = _files(jpeg_face)
    sod = documents.make_sod(files, documents.make_document_signer(csca))

    checks = passive_authentication(sod, files, load_csca_folder(tmp_path), NOW)

    chain = next(check for check in checks if check.name == "document_signer_chain")
    assert chain.outcome is Outcome.REVIEW
    assert chain.details["configured_cscas"] == 0


def test_unparsable_sod_gives_one_failed_check(csca_folder, jpeg_face):
    checks = passive_authentication(documents.tlv(0x77, b"\x30\x00"), _files(jpeg_face), load_csca_folder(csca_folder), NOW)
    assert [(check.name, check.outcome) for check in checks] == [("sod_structure", Outcome.FAIL)]


@pytest.mark.parametrize(
    ("sod", "message"),
    [
        (documents.tlv(0x76, b""), "expected exactly one object 77"),
        (documents.tlv(0x77, b"\x30\x03\x06\x01\x00"), "contains CMS content 0.0, not SignedData"),
        (documents.tlv(0x77, b"garbage"), "malformed"),
    ],
)
def test_malformed_sod_raises_sod_error(sod, message):
    with pytest.raises(SodError, match=message):
        parse_sod(sod)


# --- CSCA folder ------------------------------------------------------------------


def test_csca_folder_reads_pem_and_der(tmp_path, csca):
    other = documents.make_csca("Other CSCA", kind="rsa")
    (tmp_path / "utopia.pem").write_bytes(documents.csca_pem(csca))
    (tmp_path / "other.der").write_bytes(other.certificate.public_bytes(serialization.Encoding.DER))
    (tmp_path / "README.txt").write_text("not a certificate, and not read")

    store = load_csca_folder(tmp_path)

    assert set(store.certificates) == {csca.certificate, other.certificate}


def test_broken_csca_file_is_config_error(tmp_path):
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(CscaStoreError, match="broken.pem is not a PEM or DER certificate"):
        load_csca_folder(tmp_path)


def test_missing_csca_folder_is_a_config_error(tmp_path):
    with pytest.raises(CscaStoreError, match="cannot read the CSCA folder"):
        load_csca_folder(tmp_path / "missing")


# --- printed MRZ against DG1 ------------------------------------------------------


def test_identical_mrz_matches():
    check = check_mrz_matches_chip(parse_mrz(TD1_LONG_NUMBER), parse_dg1(documents.make_dg1(TD1_LONG_NUMBER)))
    assert check.passed


def test_differing_fields_are_named_without_values():
    printed = parse_mrz(TD3_SPECIMEN)
    line1, line2 = TD3_SPECIMEN.splitlines()
    chip = parse_mrz(line1.replace("ANNA", "ANNE") + "\n" + line2.replace("2F120", "2M120"))

    check = check_mrz_matches_chip(printed, chip)

    assert check.outcome is Outcome.FAIL
    assert check.details == {"fields": ["name", "sex"]}
    assert check.reason.zh.endswith("姓名、性别。")
    assert "ANNE" not in str(check.to_json())


def test_different_formats_do_not_match():
    check = check_mrz_matches_chip(parse_mrz(TD1_SPECIMEN), parse_mrz(TD3_SPECIMEN))
    assert check.outcome is Outcome.FAIL
    assert check.details == {"printed_format": "TD1", "chip_format": "TD3"}
