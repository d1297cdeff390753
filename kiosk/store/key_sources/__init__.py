"""Where the store key and the biometric key live: a TPM seal, the OS keystore or a wrapped file.

Every source keeps named secrets ("slots") behind the same small interface, and the
shared logic here turns slots into the two branch keys: ``store`` opens the SQLCipher
file, ``biometric`` encrypts face templates and signature strokes inside it. A third
slot, ``store.pending``, holds a new store key while a rotation is under way.
"""

import abc
import logging
import secrets
from dataclasses import dataclass
from typing import ClassVar

from kiosk.errors import StoreError

log = logging.getLogger(__name__)

KEY_BYTES = 32
STORE_SLOT = "store"
BIOMETRIC_SLOT = "biometric"
PENDING_SLOT = "store.pending"
SLOTS = (STORE_SLOT, BIOMETRIC_SLOT, PENDING_SLOT)


class StoreKeyError(StoreError):
    """A key source cannot be read or written; the detail names the source and the fix."""


class StoreKeyMissing(StoreKeyError):
    """The source contains no key yet: the branch was not provisioned with this source."""


@dataclass(frozen=True)
class StoreKeys:
    """The two independent 256-bit keys of a branch store."""

    store: bytes
    biometric: bytes

    def __repr__(self) -> str:
        return "StoreKeys(<hidden>)"


class StoreKeySource(abc.ABC):
    """A place that keeps a branch's key slots; subclasses implement the three slot operations.

    ``read_secret`` returns ``None`` for an empty slot. Every method raises
    :class:`StoreKeyError` when the source cannot be used.
    """

    kind: ClassVar[str]

    @abc.abstractmethod
    def read_secret(self, slot: str) -> bytes | None: ...

    @abc.abstractmethod
    def write_secret(self, slot: str, secret: bytes) -> None: ...

    @abc.abstractmethod
    def delete_secret(self, slot: str) -> None: ...

    @abc.abstractmethod
    def describe(self) -> dict[str, str]:
        """Return the source's kind and location, for logs and ``--json`` output; never a secret."""

    def load(self) -> StoreKeys:
        """Read both keys; raises :class:`StoreKeyMissing` when the source was never provisioned."""
        store = self._read_key(STORE_SLOT)
        biometric = self._read_key(BIOMETRIC_SLOT)
        if store is None or biometric is None:
            raise StoreKeyMissing(f"{self.label()} contains no store key; provision the branch with this key source first")
        return StoreKeys(store=store, biometric=biometric)

    def create(self) -> StoreKeys:
        """Generate and keep two new random keys, at provisioning; refuses when a key exists already."""
        for slot in SLOTS:
            if self.read_secret(slot) is not None:
                raise StoreKeyError(f"{self.label()} already contains a {slot} key; refusing to replace it")
        keys = StoreKeys(store=secrets.token_bytes(KEY_BYTES), biometric=secrets.token_bytes(KEY_BYTES))

        # The store key goes in last: a source with a store key always has its biometric key.
        self.write_secret(BIOMETRIC_SLOT, keys.biometric)
        self.write_secret(STORE_SLOT, keys.store)
        log.info("store keys created in %s", self.label())
        return keys

    def pending(self) -> bytes | None:
        """Return the new store key of an unfinished rotation, or ``None``."""
        return self._read_key(PENDING_SLOT)

    def save_pending(self, key: bytes) -> None:
        self._check_length(key, PENDING_SLOT)
        self.write_secret(PENDING_SLOT, key)

    def commit_pending(self) -> None:
        """Make the pending key the store key, then forget the pending slot."""
        key = self.pending()
        if key is None:
            raise StoreKeyError(f"{self.label()} has no pending store key to commit")
        self.write_secret(STORE_SLOT, key)
        self.delete_secret(PENDING_SLOT)

    def discard_pending(self) -> None:
        self.delete_secret(PENDING_SLOT)

    def label(self) -> str:
        details = self.describe()
        location = ", ".join(f"{name} {value}" for name, value in details.items() if name != "kind")
        return f"key source {details['kind']} ({location})"

    def _read_key(self, slot: str) -> bytes | None:
        key = self.read_secret(slot)
        if key is not None:
            self._check_length(key, slot)
        return key

    def _check_length(self, key: bytes, slot: str) -> None:
        if len(key) != KEY_BYTES:
            raise StoreKeyError(f"the {slot} key in {self.label()} has {len(key)} bytes, expected {KEY_BYTES}")
