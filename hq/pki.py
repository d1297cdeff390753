"""HQ's certificate authority for the sync link: its own CA, HQ's server certificate, one client certificate per kiosk.

Keys are ECDSA P-256. The CA signs HQ's server certificate (``serverAuth``, with the
host names and addresses kiosks use) and each kiosk's client certificate
(``clientAuth``, with the branch in ``OU`` and the kiosk in ``CN``). Kiosks pin this
CA, so no public authority can stand in for HQ. Private keys are written 0600.
"""

import ipaddress
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 10
SERVER_DAYS = 397
KIOSK_DAYS = 825


@dataclass(frozen=True)
class IssuedPair:
    certificate: Path
    private_key: Path


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # os.open applies the mode only to a new file, and renewal overwrites
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _write_public(path: Path, certificate: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def create_ca(folder: Path, name: str = "CounterSign HQ sync CA", now: datetime | None = None) -> IssuedPair:
    """Create the CA's key and self-signed certificate in ``folder`` (``ca.pem``, ``ca.key``)."""
    now = now or datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CounterSign"), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pair = IssuedPair(folder / "ca.pem", folder / "ca.key")
    _write_private(pair.private_key, _key_pem(key))
    _write_public(pair.certificate, certificate)
    return pair


def _load_ca(ca: IssuedPair) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    certificate = x509.load_pem_x509_certificate(ca.certificate.read_bytes())
    key = serialization.load_pem_private_key(ca.private_key.read_bytes(), password=None)
    return certificate, key


def _issue(
    ca: IssuedPair,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    days: int,
    names: list[x509.GeneralName],
    now: datetime | None,
    not_before: datetime | None = None,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = now or datetime.now(timezone.utc)
    ca_certificate, ca_key = _load_ca(ca)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_certificate.public_key()), critical=False
        )
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def issue_server(ca: IssuedPair, folder: Path, hosts: list[str], days: int = SERVER_DAYS, now: datetime | None = None) -> IssuedPair:
    """Issue HQ's server certificate for ``hosts`` (names or IP addresses) into ``folder``."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CounterSign"), x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    certificate, key = _issue(ca, subject, ExtendedKeyUsageOID.SERVER_AUTH, days, names, now)
    pair = IssuedPair(folder / "server.pem", folder / "server.key")
    _write_private(pair.private_key, _key_pem(key))
    _write_public(pair.certificate, certificate)
    return pair


def issue_kiosk(ca: IssuedPair, folder: Path, branch_id: str, kiosk_id: str, days: int = KIOSK_DAYS, now: datetime | None = None) -> IssuedPair:
    """Issue the client certificate of kiosk ``kiosk_id`` at ``branch_id`` into ``folder``."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CounterSign"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, branch_id),
            x509.NameAttribute(NameOID.COMMON_NAME, kiosk_id),
        ]
    )
    certificate, key = _issue(ca, subject, ExtendedKeyUsageOID.CLIENT_AUTH, days, [], now)
    pair = IssuedPair(folder / f"{kiosk_id}.pem", folder / f"{kiosk_id}.key")
    _write_private(pair.private_key, _key_pem(key))
    _write_public(pair.certificate, certificate)
    return pair


def certificate_hosts(certificate: Path) -> list[str]:
    """Return the DNS names and IP addresses in the subject alternative names of ``certificate`` (PEM)."""
    issued = x509.load_pem_x509_certificate(certificate.read_bytes())
    try:
        names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*names.get_values_for_type(x509.DNSName), *(str(address) for address in names.get_values_for_type(x509.IPAddress))]


def renew_server(ca: IssuedPair, certificate: Path, private_key: Path, hosts: list[str], now: datetime | None = None) -> IssuedPair:
    """Issue a new server certificate and key for ``hosts`` and put them in place of ``certificate`` and ``private_key``.

    Both files are written in a folder beside ``certificate`` first and then renamed over
    the old ones, so neither is ever half written. A crash between the two renames leaves
    the new key beside the old certificate, and running the renewal again repairs it.
    """
    if not hosts:
        raise ValueError("a server certificate needs at least one host name or address")
    staging = certificate.parent / ".renew"
    fresh = issue_server(ca, staging, hosts, now=now)
    os.replace(fresh.private_key, private_key)
    os.replace(fresh.certificate, certificate)
    staging.rmdir()
    return IssuedPair(certificate, private_key)
