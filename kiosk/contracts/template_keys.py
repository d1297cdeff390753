"""Headquarters' template key: loading it from PEM files, signing and verifying with it.

The key is Ed25519 or ECDSA on P-256 with SHA-256. Headquarters keeps the private key
and signs approvals and the list of withdrawn templates with it; each branch is
configured with the public key only.
"""

import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kiosk.contracts.template_errors import TemplateKeyUnusable

ED25519 = "Ed25519"
ECDSA_P256 = "ECDSA-P256-SHA256"

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def algorithm_name(key: PublicKey | PrivateKey) -> str:
    """Return the algorithm name recorded in signed files; raises :class:`TemplateKeyUnusable` for other keys."""
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return ED25519
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)) and isinstance(key.curve, ec.SECP256R1):
        return ECDSA_P256
    raise TemplateKeyUnusable(f"unsupported key type {type(key).__name__}; use Ed25519 or ECDSA on P-256")


def key_fingerprint(key: PublicKey) -> str:
    """Return the SHA-256 of the key's DER SubjectPublicKeyInfo, as lowercase hex."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load_public_key(path: Path) -> PublicKey:
    """Read a PEM public key; raises :class:`TemplateKeyUnusable` naming the file and the problem."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TemplateKeyUnusable(f"cannot read {path}: {error.strerror}") from error
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as error:
        raise TemplateKeyUnusable(f"{path} is not a PEM public key: {error}") from error
    algorithm_name(key)
    return key  # type: ignore[return-value]


def load_private_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    """Read a PEM private key, encrypted when ``passphrase`` is given.

    Raises :class:`TemplateKeyUnusable` naming the file when it cannot be read or
    decrypted, or holds a key that is neither Ed25519 nor ECDSA P-256.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TemplateKeyUnusable(f"cannot read {path}: {error.strerror}") from error
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as error:
        # cryptography raises TypeError when a passphrase is missing or not needed.
        raise TemplateKeyUnusable(f"{path}: {error}") from error
    except (ValueError, UnsupportedAlgorithm) as error:
        raise TemplateKeyUnusable(f"{path} is not a PEM private key, or the passphrase is wrong: {error}") from error
    algorithm_name(key)
    return key  # type: ignore[return-value]


def sign(key: PrivateKey, data: bytes) -> bytes:
    """Sign ``data``: raw Ed25519, or a DER-encoded ECDSA signature over SHA-256."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def verify(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """Return whether ``signature`` over ``data`` verifies with ``key``."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def public_key_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_key_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    """Serialise as PKCS#8 PEM, encrypted with the best available scheme when ``passphrase`` is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
