"""The legacy store key: a raw hex key in a file, as branches provisioned before key sources had.

Read only, so that existing branches keep opening. Its biometric key is derived from
the store key with HKDF, so the two keys are not independent.

``countersign store adopt-key`` moves a branch with such a file to a key source.
"""

import logging
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.store.keys import load_key_file
from kiosk.store.key_sources import BIOMETRIC_SLOT, KEY_BYTES, STORE_SLOT, StoreKeyError, StoreKeySource

log = logging.getLogger(__name__)

BIOMETRIC_INFO = b"countersign legacy biometric key v1"


def derive_legacy_biometric_key(store_key: bytes) -> bytes:
    """Return the biometric key of a branch that still uses a plain key file."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=BIOMETRIC_INFO).derive(store_key)


class PlainFileSource(StoreKeySource):
    """The store key from a plain 0600 key file; cannot take new keys."""

    kind = "key_file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._warned = False

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "path": str(self.path)}

    def read_secret(self, slot: str) -> bytes | None:
        if slot not in (STORE_SLOT, BIOMETRIC_SLOT):
            return None
        if not self._warned:
            log.warning(
                "store key %s is a plain key file; move it into key_source tpm, keyring or "
                "wrapped_file with 'countersign store adopt-key' (docs/store-keys.md)",
                self.path,
            )
            self._warned = True
        store_key = load_key_file(self.path)
        return store_key if slot == STORE_SLOT else derive_legacy_biometric_key(store_key)

    def write_secret(self, slot: str, secret: bytes) -> None:
        raise StoreKeyError(
            f"the plain key file {self.path} cannot take a new key; rotation needs key_source tpm, keyring or wrapped_file"
        )

    def delete_secret(self, slot: str) -> None:
        if slot == STORE_SLOT:
            self.write_secret(slot, b"")
