"""PAdES B-T from a local RFC 3161 TSA (openssl ts), and B-B with a queued timestamp when the TSA fails."""

import json
import logging
import time

import pytest

from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import (
    DEFAULT_TSA_BUDGET_SECONDS,
    TIMESTAMP_PENDING_EVENT,
    ContractTimestamper,
    PendingTimestamp,
    TimestampUnavailable,
    add_document_timestamp,
)
from kiosk.contracts.validation import verify_contract_pdf
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


def _sealer(seal_pkcs12, tsa_url: str, budget: float = DEFAULT_TSA_BUDGET_SECONDS) -> ContractSealer:
    return ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京", ContractTimestamper(tsa_url, budget))


def test_answering_tsa_gives_b_t(pki_server, seal_pkcs12, rendered, signature_png, trust_roots, nss_db, tmp_path):
    before = pki_server.count("/tsa")
    sealed = _sealer(seal_pkcs12, pki_server.tsa_url).seal(rendered, signature_png, reason="test")

    assert sealed.pades_level == "B-T"
    assert sealed.timestamp_pending is None
    assert pki_server.count("/tsa") - before == 2  # pyHanko's sizing sample, then the real token

    result = verify_contract_pdf(sealed.pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-T"
    (seal_finding,) = result.signatures
    assert seal_finding.timestamped

    output = pdfsig(sealed.pdf, nss_db, tmp_path)
    assert "Signature Validation: Signature is Valid." in output
    assert "Certificate Validation: Certificate is Trusted." in output
    assert "Total document signed" in output


@pytest.mark.parametrize(
    "path, budget, reason",
    [
        ("/tsa/slow/4", 1.0, "did not answer within the 1 s budget"),
        ("/tsa/garbage", 5.0, "unusable response"),
        ("/tsa/html", 5.0, "text/html"),
        ("/tsa/error", 5.0, "500"),
        (None, 5.0, "Cannot connect"),
    ],
    ids=["slow", "garbage", "web page", "HTTP 500", "unreachable"],
)
def test_failing_tsa_gives_b_b_and_queued_upgrade(
    pki_server, seal_pkcs12, rendered, signature_png, trust_roots, caplog, path, budget, reason
):
    url = closed_port_url() if path is None else pki_server.base_url + path
    sealer = _sealer(seal_pkcs12, url, budget)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="kiosk.contracts.sealing"):
        sealed = sealer.seal(rendered, signature_png, reason="test")
    elapsed = time.monotonic() - started

    assert elapsed < budget + 1.0
    assert sealed.pades_level == "B-B"
    pending = sealed.timestamp_pending
    assert pending is not None
    assert pending.tsa_url == url
    assert reason in pending.reason
    assert pending.event_type == "contract.timestamp_pending"

    (record,) = [r for r in caplog.records if r.name == "kiosk.contracts.sealing"]
    assert "PAdES B-B" in record.getMessage()
    assert url in record.getMessage()

    result = verify_contract_pdf(sealed.pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-B"


def test_budget_is_shared_by_both_requests(pki_server, seal_pkcs12, rendered, signature_png):
    # Each of the two requests takes 3 s: both fit a 5 s timeout each, not a 5 s budget in total.
    sealer = _sealer(seal_pkcs12, pki_server.base_url + "/tsa/slow/3")
    assert sealer.timestamper.budget_seconds == 5.0

    started = time.monotonic()
    sealed = sealer.seal(rendered, signature_png, reason="test")
    elapsed = time.monotonic() - started

    assert sealed.pades_level == "B-B"
    assert 4.5 < elapsed < 5.9
    assert "5 s budget" in sealed.timestamp_pending.reason


def test_pending_timestamp_is_an_outbox_payload(pki_server, seal_pkcs12, rendered, signature_png):
    import hashlib

    sealed = _sealer(seal_pkcs12, closed_port_url()).seal(rendered, signature_png, reason="test")
    pending = sealed.timestamp_pending

    payload = json.loads(json.dumps(pending.payload("BJ-CY01-20261205-0001")))
    assert PendingTimestamp.event_type == TIMESTAMP_PENDING_EVENT
    assert payload["contract_no"] == "BJ-CY01-20261205-0001"
    assert payload["pdf_sha256"] == hashlib.sha256(sealed.pdf).hexdigest()
    assert payload["tsa_url"] == pending.tsa_url
    assert payload["upgrade"] == "document_timestamp"
    assert payload["failed_at"].endswith("+00:00")


def test_queued_upgrade_adds_document_timestamp(pki_server, seal_pkcs12, rendered, signature_png, trust_roots, nss_db, tmp_path):
    sealed = _sealer(seal_pkcs12, pki_server.base_url + "/tsa/error").seal(rendered, signature_png, reason="test")
    assert sealed.pades_level == "B-B"

    upgraded = add_document_timestamp(sealed.pdf, ContractTimestamper(pki_server.tsa_url))

    assert upgraded.startswith(sealed.pdf)
    result = verify_contract_pdf(upgraded, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-T"
    assert result.covers_whole_file
    kinds = [finding.kind for finding in result.signatures]
    assert kinds == ["signature", "document_timestamp"]
    assert result.signatures[0].modification_level == "LTA_UPDATES"

    # poppler 22.12 checks the seal but cannot check document timestamps ("Unimplemented Feature").
    seal_block, timestamp_block = pdfsig_signatures(pdfsig(upgraded, nss_db, tmp_path))
    assert "Signature is Valid." in seal_block
    assert "Certificate is Trusted." in seal_block
    assert "Not total document signed" in seal_block
    assert "Timestamp Authority" in timestamp_block
    assert "Total document signed" in timestamp_block


def test_document_timestamp_with_tsa_down_raises(seal_pkcs12, rendered, signature_png):
    sealed = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test")
    with pytest.raises(TimestampUnavailable, match="Cannot connect"):
        add_document_timestamp(sealed.pdf, ContractTimestamper(closed_port_url(), 1.0))


def test_without_tsa_seal_is_b_b_without_upgrade(pki_server, seal_pkcs12, rendered, signature_png):
    before = pki_server.count("/tsa")
    sealed = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test")
    assert sealed.pades_level == "B-B"
    assert sealed.timestamp_pending is None
    assert pki_server.count("/tsa") == before
