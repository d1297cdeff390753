"""Opening a branch store with the keys of its key source, and rotating the store key.

A rotation keeps the store openable at every step. The new key is saved in the source
as "pending" before ``PRAGMA rekey`` runs, and becomes the store key only after the store
has been reopened with it. An interrupted rotation is finished or undone by the next
open: whichever of the two keys opens the file wins.
"""

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import WrongStoreKey
from kiosk.store.biometrics import BiometricCipher
from kiosk.store.database import Database
from kiosk.store.key_sources import KEY_BYTES, StoreKeys, StoreKeySource

log = logging.getLogger(__name__)


@dataclass
class KeyedStore:
    """An open store, its biometric cipher, and the keys it was opened with."""

    database: Database
    biometrics: BiometricCipher
    keys: StoreKeys


def open_keyed_store(store_path: Path, source: StoreKeySource, create: bool = False) -> KeyedStore:
    """Open (or with ``create``, create) the store with the keys in ``source``.

    Finishes or undoes an interrupted rotation first. The biometric key is bound to the
    connection, so strokes read through it come back decrypted. Raises the errors of
    :meth:`Database.open`, :class:`kiosk.store.key_sources.StoreKeyError` and
    :class:`kiosk.store.biometrics.BiometricKeyError`.
    """
    keys = source.load()
    pending = source.pending()
    if create:
        database = Database.open(store_path, keys.store, create=True)
    else:
        database, keys = _open_resolving_pending(store_path, source, keys, pending)

    try:
        cipher = BiometricCipher(keys.biometric)
        cipher.bind(database.connection)
    except BaseException:
        database.close()
        raise
    return KeyedStore(database, cipher, keys)


def _open_resolving_pending(
    store_path: Path, source: StoreKeySource, keys: StoreKeys, pending: bytes | None
) -> tuple[Database, StoreKeys]:
    try:
        database = Database.open(store_path, keys.store)
    except WrongStoreKey:
        if pending is None:
            raise
        # The rekey ran but the source was not updated: the pending key is now the store key.
        database = Database.open(store_path, pending)
        source.commit_pending()
        log.warning("store %s: finished an interrupted key rotation; the new key is now the store key", store_path)
        return database, StoreKeys(store=pending, biometric=keys.biometric)

    if pending is not None:
        source.discard_pending()
        log.warning("store %s: discarded the new key of a rotation interrupted before the rekey", store_path)
    return database, keys


@dataclass(frozen=True)
class RotationResult:
    store_path: Path
    source: dict[str, str]
    schema_version: int

    def to_json(self) -> dict:
        return {"store": str(self.store_path), "key_source": self.source, "schema_version": self.schema_version, "rotated": True}


def rotate_store_key(store_path: Path, source: StoreKeySource) -> RotationResult:
    """Re-encrypt the store under a new random key and keep that key in ``source``.

    Order: open with the current key, save the new key as pending, ``PRAGMA rekey``,
    close, reopen with the new key, commit the pending key. The biometric key is not
    changed, so biometric values stay as they are. Raises the errors of
    :func:`open_keyed_store`; a failed reopen leaves the pending key for the next open.
    """
    keyed = open_keyed_store(store_path, source)
    new_key = secrets.token_bytes(KEY_BYTES)
    try:
        source.save_pending(new_key)
        keyed.database.owner.check()
        keyed.database.connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        keyed.database.close()

    check = Database.open(store_path, new_key)
    schema_version = check.schema_version
    check.close()
    source.commit_pending()
    log.info("store %s: store key rotated in %s", store_path, source.label())
    return RotationResult(store_path, source.describe(), schema_version)


def load_branch_keys(store_path: Path, source: StoreKeySource) -> StoreKeys:
    """Return the keys that open the store at ``store_path``, finishing or undoing an interrupted rotation.

    Opens and closes the store only when the source holds a pending key. Raises the
    errors of :func:`open_keyed_store`.
    """
    keys = source.load()
    pending = source.pending()
    if pending is None:
        return keys
    database, keys = _open_resolving_pending(store_path, source, keys, pending)
    database.close()
    return keys
