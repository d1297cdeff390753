"""The sealer learns the size of its signature on the first seal and reuses it, and recovers when it outgrows it."""

import logging

from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import ContractTimestamper
from kiosk.contracts.validation import verify_contract_pdf
from tests.pki.fixtures import (  # noqa: F401 - fixtures are found by name
    SEAL_PASSPHRASE,
    authority,
    nss_db,
    pdfsig,
    pki_server,
    rendered,
    seal,
    seal_pkcs12,
    signature_png,
    trust_roots,
)


def _check(pdf: bytes, trust_roots, nss_db, folder) -> None:
    result = verify_contract_pdf(pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    output = pdfsig(pdf, nss_db, folder)
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output


def test_second_seal_reuses_size(seal_pkcs12, rendered, signature_png, trust_roots, nss_db, tmp_path):
    sealer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京")

    first = sealer.seal(rendered, signature_png, reason="first")
    learnt = sealer._reserved["B-B"]
    second = sealer.seal(rendered, signature_png, reason="second")

    assert learnt > 0
    assert sealer._reserved["B-B"] == learnt
    _check(first.pdf, trust_roots, nss_db, tmp_path)
    _check(second.pdf, trust_roots, nss_db, tmp_path)


def test_too_small_size_is_learnt_again(seal_pkcs12, rendered, signature_png, trust_roots, nss_db, tmp_path, caplog):
    sealer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京")
    sealer._reserved["B-B"] = 64

    with caplog.at_level(logging.WARNING):
        sealed = sealer.seal(rendered, signature_png, reason="resized")

    assert "outgrew the 64 hex digits" in caplog.text
    assert sealer._reserved["B-B"] > 64
    _check(sealed.pdf, trust_roots, nss_db, tmp_path)


def test_b_t_needs_one_token_after_first(pki_server, seal_pkcs12, rendered, signature_png, trust_roots):
    sealer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京", ContractTimestamper(pki_server.tsa_url, 5.0))
    sealer.seal(rendered, signature_png, reason="first")

    before = pki_server.count("/tsa")
    sealed = sealer.seal(rendered, signature_png, reason="second")

    assert sealed.pades_level == "B-T"
    assert pki_server.count("/tsa") - before == 1
    result = verify_contract_pdf(sealed.pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-T"


def test_trusted_tsa_logs_no_error(pki_server, seal_pkcs12, rendered, signature_png, trust_roots, caplog):
    signer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").signer
    sealer = ContractSealer(signer, "北京", ContractTimestamper(pki_server.tsa_url, 5.0), trust_roots=trust_roots)

    with caplog.at_level(logging.ERROR):
        sealed = sealer.seal(rendered, signature_png, reason="trusted")

    assert sealed.pades_level == "B-T"
    assert "trust roots" not in caplog.text
