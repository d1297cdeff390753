"""Who is calling: the kiosk named by the verified client certificate of the TLS connection.

Uvicorn verifies the certificate during the handshake but does not pass it to the
application. :class:`ClientCertificateProtocol` wraps uvicorn's HTTP/1.1 protocol: when
a connection is made, it reads the verified peer certificate from the TLS object and
adds it to every request's scope as the ASGI TLS extension (``client_cert_chain``,
``tls_version``). It also closes a connection that negotiated a version older than
TLS 1.2, in case the server's context was built without a minimum.

NOTE: a failed handshake (TLS 1.0 or 1.1, or a client certificate that is missing,
from another CA, expired or without ``clientAuth``) never reaches this protocol. Asyncio
in Python 3.11 logs such failures only in debug mode, so HQ's log does not list rejected
kiosks.
"""

import logging
import ssl

from cryptography import x509
from cryptography.x509.oid import NameOID
from uvicorn.protocols.http.h11_impl import H11Protocol

from hq.ingest import Sender
from sync.tls import ACCEPTED_VERSIONS

log = logging.getLogger(__name__)


class ClientCertificateProtocol(H11Protocol):
    """Uvicorn's h11 protocol, with the verified client certificate in each request's scope."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        version = ssl_object.version()
        if version not in ACCEPTED_VERSIONS:
            log.warning("connection from %s closed: %s is not accepted", self.client, version)
            transport.abort()
            return
        der = ssl_object.getpeercert(binary_form=True)
        extension = {
            "server_cert": None,
            "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
            "client_cert_name": None,
            "client_cert_error": None,
            "tls_version": version,
            "cipher_suite": None,
        }
        inner = self.app

        async def app_with_tls(scope, receive, send):
            scope.setdefault("extensions", {})["tls"] = extension
            await inner(scope, receive, send)

        self.app = app_with_tls


class NoClientCertificate(PermissionError):
    """The request came without a verified client certificate, or one that names no kiosk."""


def sender_from_scope(scope: dict) -> Sender:
    """Return the branch (``OU``) and kiosk (``CN``) of the request's client certificate.

    Raises :class:`NoClientCertificate` on a connection without TLS or a certificate.
    """
    chain = scope.get("extensions", {}).get("tls", {}).get("client_cert_chain") or []
    if not chain:
        raise NoClientCertificate("the request came without a verified client certificate")
    certificate = x509.load_pem_x509_certificate(chain[0].encode("ascii"))
    branches = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    kiosks = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(branches) != 1 or len(kiosks) != 1:
        raise NoClientCertificate(f"the client certificate {certificate.subject.rfc4514_string()} names no branch (OU) and kiosk (CN)")
    return Sender(branch_id=str(branches[0].value), kiosk_id=str(kiosks[0].value))
