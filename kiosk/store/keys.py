"""Plain store key files: a raw hex key readable only by the kiosk's user.

Branches keep their keys in a key source (:mod:`kiosk.store.key_sources`). A plain key
file remains readable for branches provisioned before key sources, and for tests.
"""

import logging
import os
import secrets
import stat
from pathlib import Path

from kiosk.errors import StoreError

log = logging.getLogger(__name__)

KEY_BYTES = 32


def create_key_file(path: Path) -> bytes:
    """Write a new random key to ``path`` (mode 0600, folder 0700) and return it.

    Refuses to overwrite an existing key, since that would lock the store for good.
    """
    if path.exists():
        raise StoreError(f"key file {path} already exists; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)

    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    log.info("created store key file %s", path)
    return key


def load_key_file(path: Path | None) -> bytes:
    """Read the key; raises :class:`StoreError` when missing, malformed or readable by others.

    ``None`` is the ``store_key_file`` of a branch with a key source, which has no plain file.
    """
    if path is None:
        raise StoreError(
            "this branch keeps its store key in a key source ([store] key_source), not in a plain key file; "
            "open the store with kiosk.store.key_sources.rotation.load_branch_keys"
        )
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except FileNotFoundError:
        raise StoreError(f"key file {path} not found") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StoreError(f"key file {path} is readable by other users (mode {stat.S_IMODE(mode):o}); run chmod 600")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise StoreError(f"key file {path} does not hold a hex key") from None
    if len(key) != KEY_BYTES:
        raise StoreError(f"key file {path} contains {len(key)} bytes, expected {KEY_BYTES}")
    return key
