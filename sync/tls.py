"""TLS settings of the sync link, shared by both ends: TLS 1.2 or 1.3 only, mutual certificates.

The kiosk pins HQ's CA: it trusts that one certificate and not the system's store, so a
certificate from any other authority (or a self-signed one) is refused even when it
names the right host. HQ trusts the same CA for client certificates, which it issues to
each kiosk at provisioning with the branch in ``OU`` and the kiosk in ``CN``.
"""

import ssl
from pathlib import Path

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2
ACCEPTED_VERSIONS = ("TLSv1.2", "TLSv1.3")


def client_context(hq_ca: Path, certificate: Path, private_key: Path) -> ssl.SSLContext:
    """Return the kiosk's context: HQ's CA only, host names checked, its own certificate presented."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = MINIMUM_VERSION
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(hq_ca))
    context.load_cert_chain(certfile=str(certificate), keyfile=str(private_key))
    return context


def server_context(certificate: Path, private_key: Path, client_ca: Path) -> ssl.SSLContext:
    """Return HQ's context: a client certificate from ``client_ca`` is required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = MINIMUM_VERSION
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(client_ca))
    context.load_cert_chain(certfile=str(certificate), keyfile=str(private_key))
    return context
