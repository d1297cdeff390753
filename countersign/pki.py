"""A demo company certificate: a root CA and a seal certificate in a PKCS#12 file.

A real branch gets its seal certificate from the company's CA (or a licensed Chinese
CA) at provisioning; this exists so the demo and the tests sign with a real chain.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from countersign.files import write_atomically
from kiosk.rental import Branch


@dataclass(frozen=True)
class DemoPki:
    root_certificate: Path
    pkcs12: Path
    passphrase_file: Path


def make_demo_pki(pki_dir: Path, key_dir: Path, branch: Branch, now: datetime | None = None) -> DemoPki:
    """Create a root CA and a seal certificate for ``branch``; the passphrase goes to ``key_dir``."""
    now = now or datetime.now(timezone.utc)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, branch.company_zh),
            x509.NameAttribute(NameOID.COMMON_NAME, "CounterSign Demo Root CA"),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )

    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, branch.company_zh),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, branch.name_zh),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{branch.company_zh} 合同专用章 {branch.branch_id}"),
        ]
    )
    seal = (
        x509.CertificateBuilder()
        .subject_name(seal_name)
        .issuer_name(root_name)
        .public_key(seal_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(seal_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )

    passphrase = secrets.token_urlsafe(24).encode()
    bundle = pkcs12.serialize_key_and_certificates(
        b"company-seal", seal_key, seal, [root], serialization.BestAvailableEncryption(passphrase)
    )

    result = DemoPki(
        root_certificate=pki_dir / "demo-root-ca.pem",
        pkcs12=pki_dir / "company-seal.p12",
        passphrase_file=key_dir / "company-seal.pass",
    )
    write_atomically(result.root_certificate, root.public_bytes(serialization.Encoding.PEM), mode=0o644)
    write_atomically(result.pkcs12, bundle)
    write_atomically(result.passphrase_file, passphrase)
    return result
