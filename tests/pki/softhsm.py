"""SoftHSM2 tokens made per test: a private configuration, token folder, PIN and imported seal key.

The key goes in with ``softhsm2-util --import`` (PKCS#8 PEM) and the certificate with
python-pkcs11, under one label and one ID, as a CA's token provisioning tool would
leave them.
"""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from pkcs11 import Attribute, CertificateType, ObjectClass

from tests.pki.authority import IssuedCertificate

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class SoftHsmToken:
    """One initialised token in a folder of its own; ``environment`` selects it for SoftHSM2."""

    config_path: Path
    label: str
    pin: str
    so_pin: str
    module: Path = SOFTHSM_MODULE

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.config_path)}


def make_token(folder: Path, label: str, pin: str = "246810", so_pin: str = "13579753") -> SoftHsmToken:
    """Write a SoftHSM2 configuration for ``folder`` and initialise one token there."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    config_path = folder / "softhsm2.conf"
    config_path.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    token = SoftHsmToken(config_path, label, pin, so_pin)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
        check=True, capture_output=True, env=token.environment,
    )
    return token


def import_seal(token: SoftHsmToken, issued: IssuedCertificate, label: str, object_id: bytes = b"\x01") -> None:
    """Put the private key and certificate of ``issued`` on ``token`` under ``label``.

    Must run with ``SOFTHSM2_CONF`` pointing at ``token`` in this process too, because
    the certificate is written through python-pkcs11.
    """
    subprocess.run(
        [
            "softhsm2-util", "--import", str(issued.key_path), "--token", token.label, "--label", label,
            "--id", object_id.hex(), "--pin", token.pin,
        ],
        check=True, capture_output=True, env=token.environment,
    )
    library = pkcs11.lib(str(token.module))
    with library.get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: object_id,
                Attribute.SUBJECT: issued.certificate.subject.public_bytes(),
                Attribute.VALUE: issued.der,
            }
        )


def reset_library(module: Path = SOFTHSM_MODULE) -> None:
    """Finalize the PKCS#11 module if this process loaded it, so the next use reads ``SOFTHSM2_CONF`` again."""
    library = pkcs11._loaded.get(str(module)) if hasattr(pkcs11, "_loaded") else None
    if library is not None and library.initialized:
        library.finalize()
