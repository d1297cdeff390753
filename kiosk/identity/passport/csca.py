"""The branch's trusted country signing CA (CSCA) certificates: a folder of PEM or DER files."""

import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from kiosk.identity.passport.errors import CscaStoreError

log = logging.getLogger(__name__)

CERTIFICATE_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


@dataclass(frozen=True)
class CscaStore:
    """The CSCA certificates that passive authentication trusts."""

    certificates: tuple[x509.Certificate, ...]

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        """Return the CSCAs whose subject is ``certificate``'s issuer (several after a key rollover)."""
        return [csca for csca in self.certificates if csca.subject == certificate.issuer]


def load_csca_folder(folder: Path) -> CscaStore:
    """Load every ``.pem``, ``.crt``, ``.cer`` and ``.der`` file in ``folder`` (PEM may hold several certificates).

    Raises :class:`CscaStoreError` when the folder cannot be read or a file in it is
    not a certificate. An empty folder gives an empty store, which trusts no document.
    """
    try:
        paths = sorted(path for path in folder.iterdir() if path.suffix.lower() in CERTIFICATE_SUFFIXES)
    except OSError as error:
        raise CscaStoreError(f"cannot read the CSCA folder {folder}: {error.strerror}") from error

    certificates: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
            if b"-----BEGIN CERTIFICATE-----" in data:
                certificates.extend(x509.load_pem_x509_certificates(data))
            else:
                certificates.append(x509.load_der_x509_certificate(data))
        except OSError as error:
            raise CscaStoreError(f"cannot read CSCA certificate {path}: {error.strerror}") from error
        except ValueError as error:
            raise CscaStoreError(f"{path} is not a PEM or DER certificate: {error}") from error

    log.info("loaded %d CSCA certificate(s) from %s", len(certificates), folder)
    return CscaStore(tuple(certificates))
