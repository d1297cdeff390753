"""PAdES B-LT and B-LTA added after sealing, with OCSP (openssl ocsp) and a CRL from a local CA."""

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore

from kiosk.contracts import ltv
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import ContractTimestamper, TimestampUnavailable, add_document_timestamp
from kiosk.contracts.validation import load_trust_roots, verify_contract_pdf
from tests.pki.authority import make_authority
from tests.pki.fixtures import (  # noqa: F401 - fixtures are found by name
    SEAL_PASSPHRASE,
    authority,
    nss_db,
    pdfsig,
    pdfsig_signatures,
    pki_server,
    rendered,
    seal,
    seal_pkcs12,
    signature_png,
    trust_roots,
)
from tests.pki.servers import closed_port_url


@pytest.fixture(scope="module")
def sealed_b_t(pki_server, seal_pkcs12, rendered, signature_png) -> bytes:
    sealer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京", ContractTimestamper(pki_server.tsa_url))
    sealed = sealer.seal(rendered, signature_png, reason="test")
    assert sealed.pades_level == "B-T"
    return sealed.pdf


def _dss_counts(pdf: bytes) -> tuple[int, int, int]:
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf)))
    return len(dss.certs), len(dss.ocsps), len(dss.crls)


def test_validation_info_gives_b_lt(pki_server, sealed_b_t, trust_roots, nss_db, tmp_path):
    ocsp_before, crl_before = pki_server.count("/ocsp"), pki_server.count("/root.crl")

    long_term = ltv.add_validation_info(sealed_b_t, ltv.revocation_context(trust_roots))

    assert long_term.startswith(sealed_b_t)
    assert pki_server.count("/ocsp") > ocsp_before  # the seal certificate names the OCSP responder
    assert pki_server.count("/root.crl") > crl_before  # the TSA certificate names only the CRL
    certificates, ocsps, crls = _dss_counts(long_term)
    assert certificates >= 3  # seal, TSA and root
    assert ocsps >= 1
    assert crls >= 1

    result = verify_contract_pdf(long_term, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-LT"
    assert not result.covers_whole_file
    assert result.signatures[0].modification_level == "LTA_UPDATES"

    output = pdfsig(long_term, nss_db, tmp_path)
    assert "Signature is Valid." in output
    assert "Certificate is Trusted." in output
    assert "Not total document signed" in output


def test_archive_timestamp_gives_b_lta(pki_server, sealed_b_t, trust_roots, nss_db, tmp_path):
    long_term = ltv.add_validation_info(sealed_b_t, ltv.revocation_context(trust_roots))

    archived = ltv.add_archive_timestamp(long_term, ContractTimestamper(pki_server.tsa_url), ltv.revocation_context(trust_roots))

    result = verify_contract_pdf(archived, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-LTA"
    assert [finding.kind for finding in result.signatures] == ["signature", "document_timestamp"]
    assert all(finding.trusted for finding in result.signatures)

    seal_block, timestamp_block = pdfsig_signatures(pdfsig(archived, nss_db, tmp_path))
    assert "Signature is Valid." in seal_block
    assert "Certificate is Trusted." in seal_block
    assert "Timestamp Authority" in timestamp_block

    # A second round, as headquarters runs before the archive timestamp's certificate expires.
    renewed = ltv.add_archive_timestamp(archived, ContractTimestamper(pki_server.tsa_url), ltv.revocation_context(trust_roots))
    again = verify_contract_pdf(renewed, trust_roots)
    assert again.status == "valid", again.to_json()
    assert again.pades_level == "B-LTA"
    assert len(again.signatures) == 3


def test_archive_timestamp_straight_from_b_t(pki_server, sealed_b_t, trust_roots):
    # The DSS and the timestamp over it are written in the same update here.
    archived = ltv.add_archive_timestamp(sealed_b_t, ContractTimestamper(pki_server.tsa_url), ltv.revocation_context(trust_roots))

    result = verify_contract_pdf(archived, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-LTA"


def test_offline_seal_climbs_every_level(pki_server, seal_pkcs12, rendered, signature_png, trust_roots):
    offline = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test").pdf
    timestamped = add_document_timestamp(offline, ContractTimestamper(pki_server.tsa_url))
    long_term = ltv.add_validation_info(timestamped, ltv.revocation_context(trust_roots))
    archived = ltv.add_archive_timestamp(long_term, ContractTimestamper(pki_server.tsa_url), ltv.revocation_context(trust_roots))

    levels = [verify_contract_pdf(pdf, trust_roots) for pdf in (offline, timestamped, long_term, archived)]
    assert [result.pades_level for result in levels] == ["B-B", "B-T", "B-LT", "B-LTA"]
    assert [result.status for result in levels] == ["valid"] * 4


def test_revoked_seal_is_not_made_long_term(authority, pki_server, rendered, signature_png, trust_roots, nss_db, tmp_path):
    revoked = authority.issue_seal("revoked-seal")
    pkcs12 = authority.write_pkcs12(revoked, SEAL_PASSPHRASE)
    sealer = ContractSealer.from_pkcs12(pkcs12, SEAL_PASSPHRASE, "北京", ContractTimestamper(pki_server.tsa_url))
    sealed = sealer.seal(rendered, signature_png, reason="test").pdf
    authority.revoke(revoked)

    with pytest.raises(ltv.CertificateRevoked, match="ContractSeal.*revoked"):
        ltv.add_validation_info(sealed, ltv.revocation_context(trust_roots))

    assert "Certificate has been Revoked." in pdfsig(sealed, nss_db, tmp_path)


def test_unreachable_responder_keeps_file_unchanged(tmp_path, rendered, signature_png):
    offline_authority = make_authority(tmp_path / "offline-ca", closed_port_url().removesuffix("/tsa"))
    pkcs12 = offline_authority.write_pkcs12(offline_authority.issue_seal(), SEAL_PASSPHRASE)
    sealed = ContractSealer.from_pkcs12(pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test").pdf
    roots = load_trust_roots([offline_authority.root.certificate_path])
    with pytest.raises(ltv.ValidationDataUnavailable, match="ContractSeal"):
        ltv.add_validation_info(sealed, ltv.revocation_context(roots, timeout_seconds=2))


def test_archive_timestamp_with_tsa_down_raises(sealed_b_t, trust_roots):
    with pytest.raises(TimestampUnavailable):
        ltv.add_archive_timestamp(sealed_b_t, ContractTimestamper(closed_port_url(), 1.0), ltv.revocation_context(trust_roots))


def test_unsigned_pdf_is_rejected(rendered, trust_roots):
    with pytest.raises(ltv.LtvError, match="no signature"):
        ltv.add_validation_info(rendered.pdf, ltv.revocation_context(trust_roots))
