"""A throwaway certificate authority for signing tests: a root, a company seal and a timestamp authority.

Every certificate names the local OCSP responder and CRL of ``base_url`` (see
:mod:`tests.pki.servers`), so revocation data can be fetched the way headquarters
fetches it from a real CA. Revocations are recorded in an OpenSSL ``index.txt`` for
``openssl ocsp`` and in a CRL signed by the root.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

SEAL_LABEL = "company-seal"


@dataclass
class IssuedCertificate:
    """A certificate with its private key, both as files (PEM) in the authority's folder."""

    name: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate_path: Path
    key_path: Path

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass
class TestAuthority:
    """The root CA, the certificates it issued and its revocation records."""

    folder: Path
    base_url: str
    root: IssuedCertificate
    issued: dict[str, IssuedCertificate] = field(default_factory=dict)
    revoked: dict[int, datetime] = field(default_factory=dict)

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/root.crl"

    @property
    def crl_path(self) -> Path:
        return self.folder / "root.crl"

    @property
    def index_path(self) -> Path:
        return self.folder / "index.txt"

    def issue_seal(self, name: str = SEAL_LABEL, key_type: str = "ec") -> IssuedCertificate:
        """Issue a company seal certificate (digital signature and non-repudiation)."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试租车有限公司"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"测试租车有限公司 合同专用章 {name}"),
            ]
        )
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        return self._issue(name, subject, usage, extended_usage=None, key_type=key_type, with_ocsp=True)

    def issue_tsa(self, name: str = "tsa", with_ocsp: bool = False) -> IssuedCertificate:
        """Issue a timestamp authority certificate (critical extended key usage timeStamping).

        Without ``with_ocsp`` the certificate names only the CRL, so validation data for
        it comes from the CRL endpoint and both kinds of revocation data get exercised.
        """
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CounterSign Test TSA"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"CounterSign Test Timestamp Authority {name}"),
            ]
        )
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
        return self._issue(
            name, subject, usage, extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING], key_type="ec", with_ocsp=with_ocsp
        )

    def revoke(self, issued: IssuedCertificate, at: datetime | None = None) -> None:
        """Record ``issued`` as revoked for both the OCSP index and a freshly signed CRL."""
        self.revoked[issued.certificate.serial_number] = at or datetime.now(timezone.utc) - timedelta(minutes=1)
        self.write_revocation_data()

    def write_revocation_data(self) -> None:
        """Write ``index.txt`` for ``openssl ocsp`` and ``root.crl`` for the CRL endpoint."""
        lines = []
        for issued in self.issued.values():
            certificate = issued.certificate
            expiry = certificate.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
            serial = f"{certificate.serial_number:X}"
            if len(serial) % 2:
                serial = "0" + serial
            subject = "/" + "/".join(attribute.rfc4514_string() for attribute in reversed(list(certificate.subject)))
            revoked_at = self.revoked.get(certificate.serial_number)
            if revoked_at is None:
                lines.append(f"V\t{expiry}\t\t{serial}\tunknown\t{subject}")
            else:
                lines.append(f"R\t{expiry}\t{revoked_at.strftime('%y%m%d%H%M%SZ')}\t{serial}\tunknown\t{subject}")
        self.index_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        (self.folder / "index.txt.attr").write_text("unique_subject = no\n")

        now = datetime.now(timezone.utc)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.certificate.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=1))
            .add_extension(x509.CRLNumber(secrets.randbelow(2**32)), critical=False)
        )
        for serial, revoked_at in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at).build()
            )
        crl = builder.sign(self.root.key, hashes.SHA256())
        self.crl_path.write_bytes(crl.public_bytes(serialization.Encoding.DER))

    def write_pkcs12(self, issued: IssuedCertificate, passphrase: bytes) -> Path:
        """Write ``issued`` with the root as a PKCS#12 file, as a branch receives its seal."""
        path = self.folder / f"{issued.name}.p12"
        bundle = pkcs12.serialize_key_and_certificates(
            issued.name.encode(), issued.key, issued.certificate, [self.root.certificate],
            serialization.BestAvailableEncryption(passphrase),
        )
        path.write_bytes(bundle)
        return path

    def _issue(self, name, subject, usage, extended_usage, key_type, with_ocsp) -> IssuedCertificate:
        key = rsa.generate_private_key(65537, 2048) if key_type == "rsa" else ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.root.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]
                ),
                critical=False,
            )
        )
        if with_ocsp:
            ocsp = x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url))
            builder = builder.add_extension(x509.AuthorityInformationAccess([ocsp]), critical=False)
        if extended_usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
        certificate = builder.sign(self.root.key, hashes.SHA256())
        issued = _write_pair(self.folder, name, certificate, key)
        self.issued[name] = issued
        self.write_revocation_data()
        return issued


def make_authority(folder: Path, base_url: str) -> TestAuthority:
    """Create a root CA in ``folder`` whose certificates point at ``base_url`` for OCSP and CRLs."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CounterSign Test CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"CounterSign Test Root {secrets.token_hex(4)}"),
        ]
    )
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    authority = TestAuthority(folder, base_url, _write_pair(folder, "root", certificate, key))
    authority.write_revocation_data()
    return authority


def _write_pair(folder: Path, name: str, certificate: x509.Certificate, key) -> IssuedCertificate:
    certificate_path = folder / f"{name}.pem"
    key_path = folder / f"{name}.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return IssuedCertificate(name, certificate, key, certificate_path, key_path)
