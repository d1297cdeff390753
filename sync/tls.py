"""TLS settings of the sync link, shared by both ends: TLS 1.2 or 1.3 only, mutual certificates.

The kiosk pins HQ's CA: it trusts that one certificate and not the system's store, so a
certificate from any other authority (or a self-signed one) is refused even when it
names the right host. HQ trusts the same CA for client certificates, which it issues to
each kiosk at provisioning with the branch in ``OU`` and the kiosk in ``CN``.
"""

import logging
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509

from sync.client import KioskCertificateInvalid

log = logging.getLogger(__name__)

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
ACCEPTED_VERSIONS = ("TLSv1.2", "TLSv1.3")

# Each new connection logs a warning once the kiosk's certificate expires within this period.
RENEWAL_WARNING = timedelta(days=30)


def client_context(hq_ca: Path, certificate: Path, private_key: Path, now: datetime | None = None) -> ssl.SSLContext:
    """Return the kiosk's context: HQ's CA only, host names checked, its own certificate presented.

    Raises :class:`~sync.client.KioskCertificateInvalid` when ``certificate`` has expired
    or is not valid yet at ``now``. HQ would end such a handshake without a reason the
    kiosk can read, and the sync would look offline instead of refused.
    """
    check_own_certificate(certificate, now or datetime.now(timezone.utc))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = MINIMUM_VERSION
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(hq_ca))
    context.load_cert_chain(certfile=str(certificate), keyfile=str(private_key))
    return context


def check_own_certificate(certificate: Path, now: datetime) -> None:
    """Raise :class:`~sync.client.KioskCertificateInvalid` unless ``certificate`` (PEM) is valid at ``now``."""
    issued = x509.load_pem_x509_certificate(certificate.read_bytes())
    subject = issued.subject.rfc4514_string()
    if now < issued.not_valid_before_utc:
        raise KioskCertificateInvalid(
            f"the kiosk certificate {certificate} ({subject}) is not valid before {issued.not_valid_before_utc.isoformat()}; check the kiosk's clock"
        )
    if now > issued.not_valid_after_utc:
        raise KioskCertificateInvalid(
            f"the kiosk certificate {certificate} ({subject}) expired on {issued.not_valid_after_utc.isoformat()}; "
            "ask HQ for a new one (countersign hq issue-kiosk)"
        )
    if issued.not_valid_after_utc - now < RENEWAL_WARNING:
        log.warning("the kiosk certificate %s (%s) expires on %s; renew it", certificate, subject, issued.not_valid_after_utc.isoformat())


def server_context(certificate: Path, private_key: Path, client_ca: Path) -> ssl.SSLContext:
    """Return HQ's context: a client certificate from ``client_ca`` is required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MINIMUM_VERSION
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(client_ca))
    context.load_cert_chain(certfile=str(certificate), keyfile=str(private_key))
    return context
