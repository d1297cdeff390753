"""The steps that take one arriving contract PDF to PAdES B-LTA at HQ, without touching the database.

:func:`upgrade_contract` checks the branch's seal, adds a document timestamp when the
seal has none (B-B to B-T), then the validation data and an archive timestamp over it
(B-LTA). It checks the result with pyHanko and with poppler's pdfsig. It never raises
for a contract. It returns an :class:`UpgradeOutcome` that states whether the contract
is done, failed for good (with the alert legal staff should see), or to be tried again.
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509

from hq.pdfsig import PdfsigUnavailable, b_lta_problems, certificate_unchecked, read_signatures
from kiosk.contracts import ltv
from kiosk.contracts.timestamps import ContractTimestamper, TimestampUnavailable, add_document_timestamp
from kiosk.contracts.validation import ContractVerification, verify_contract_pdf
from kiosk.errors import SealingError

log = logging.getLogger(__name__)

STATE_PENDING = "pending"
STATE_DONE = "done"
STATE_FAILED = "failed"
TARGET_LEVEL = "B-LTA"

# Alert kinds written for legal staff, one per contract and kind.
ALERT_HASH_MISMATCH = "contract_hash_mismatch"
ALERT_SEAL_INVALID = "contract_seal_invalid"
ALERT_CERTIFICATE_REVOKED = "contract_certificate_revoked"
ALERT_UPGRADE_FAILED = "contract_upgrade_failed"


@dataclass(frozen=True)
class UpgradeSources:
    """HQ's timestamp authority, the roots it trusts and its time limits, in seconds."""

    tsa_url: str
    trust_roots: tuple[asn1_x509.Certificate, ...]
    nss_dir: Path  # an NSS database that trusts the same roots, for pdfsig
    tsa_timeout: float
    revocation_timeout: float


@dataclass(frozen=True)
class UpgradeOutcome:
    """The result for one contract: ``state`` is pending, done or failed.

    ``archived_pdf`` and ``pades_level`` are set when done. ``alert_kind`` is set when
    the contract failed in a way legal staff must see.
    """

    state: str
    detail: str
    archived_pdf: bytes | None = None
    pades_level: str | None = None
    alert_kind: str | None = None


def upgrade_contract(pdf: bytes, pdf_sha256: str, sources: UpgradeSources) -> UpgradeOutcome:
    """Check the seal of ``pdf`` and return it upgraded to B-LTA, or why not.

    The input bytes are never changed: every step appends an incremental update to a
    copy, and the result must start with the input. A TSA or revocation responder that
    cannot be reached gives a pending outcome, to be tried again on the next run.
    """
    actual = hashlib.sha256(pdf).hexdigest()
    if actual != pdf_sha256:
        return _failed(ALERT_HASH_MISMATCH, f"the stored PDF's SHA-256 is {actual}, the branch sent {pdf_sha256}")

    seal = verify_contract_pdf(pdf, list(sources.trust_roots))
    if seal.status != "valid" or seal.pades_level is None:
        return _failed(ALERT_SEAL_INVALID, f"the branch's seal does not verify: {_reasons(seal)}")

    try:
        archived = _add_timestamps(pdf, seal.pades_level, sources)
    except (TimestampUnavailable, ltv.ValidationDataUnavailable) as error:
        # NOTE: a seal certificate that names no OCSP responder or CRL (the demo branch's) also
        # raises ValidationDataUnavailable, so its contract stays pending on every run.
        return UpgradeOutcome(STATE_PENDING, f"will retry: {error}")
    except ltv.CertificateRevoked as error:
        return _failed(ALERT_CERTIFICATE_REVOKED, str(error))
    except SealingError as error:
        return _failed(ALERT_UPGRADE_FAILED, f"the upgrade failed: {error}")

    if not archived.startswith(pdf):
        return _failed(ALERT_UPGRADE_FAILED, "the upgraded file does not start with the branch's file")
    result = verify_contract_pdf(archived, list(sources.trust_roots))
    if result.status != "valid" or result.pades_level != TARGET_LEVEL:
        return _failed(ALERT_UPGRADE_FAILED, f"pyHanko finds the upgraded file {result.status} at {result.pades_level}: {_reasons(result)}")
    try:
        signatures = read_signatures(archived, sources.nss_dir)
    except PdfsigUnavailable as error:
        return UpgradeOutcome(STATE_PENDING, f"will retry: {error}")
    if certificate_unchecked(signatures):
        # NOTE: a certificate that NSS cannot judge for another reason also lands here and stays pending.
        return UpgradeOutcome(STATE_PENDING, "will retry: pdfsig could not check the seal certificate (is its OCSP responder reachable?)")
    problems = b_lta_problems(signatures)
    if problems:
        return _failed(ALERT_UPGRADE_FAILED, "pdfsig disagrees with pyHanko: " + "; ".join(problems))

    return UpgradeOutcome(STATE_DONE, f"upgraded from {seal.pades_level}", archived_pdf=archived, pades_level=TARGET_LEVEL)


def _add_timestamps(pdf: bytes, level: str, sources: UpgradeSources) -> bytes:
    """Return ``pdf`` with a document timestamp if it had none, then validation data and an archive timestamp."""
    if level == "B-B":
        pdf = add_document_timestamp(pdf, ContractTimestamper(sources.tsa_url, sources.tsa_timeout))
    context = ltv.revocation_context(sources.trust_roots, sources.revocation_timeout)
    return ltv.add_archive_timestamp(pdf, ContractTimestamper(sources.tsa_url, sources.tsa_timeout), context)


def _failed(alert_kind: str, detail: str) -> UpgradeOutcome:
    return UpgradeOutcome(STATE_FAILED, detail, alert_kind=alert_kind)


def _reasons(result: ContractVerification) -> str:
    lines = list(result.to_json()["problems"])
    if result.error:
        lines.insert(0, result.error)
    return "; ".join(lines) or result.status
