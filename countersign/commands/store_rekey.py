"""``countersign store rekey`` and ``store adopt-key``: change the key the branch store is encrypted with.

``rekey`` re-encrypts the store under a new store key. ``adopt-key`` moves a branch off
a legacy plain key file: the configured key source takes the old keys, the store is
re-encrypted under a new key kept only there, and the plain file is overwritten and
removed. The ``store`` command module registers both by calling :func:`add_rekey`.
"""

import argparse
import json
import logging
import os
from pathlib import Path

from countersign.config import load_config
from kiosk.errors import ConfigError
from kiosk.messages import Message
from kiosk.store.database import Database
from kiosk.store.key_sources import BIOMETRIC_SLOT, STORE_SLOT, StoreKeyError, StoreKeySource
from kiosk.store.key_sources.plain_file import PlainFileSource, derive_legacy_biometric_key
from kiosk.store.key_sources.rotation import RotationResult, rotate_store_key
from kiosk.store.keys import load_key_file

log = logging.getLogger(__name__)


def add_rekey(actions, common: argparse.ArgumentParser) -> None:
    """Add the ``rekey`` action to the ``store`` command's subparsers ``actions``."""
    rekey = actions.add_parser(
        "rekey",
        parents=[common],
        help="re-encrypt the store under a new random key (PRAGMA rekey) and keep the key in the key source",
        description=(
            "Stop the kiosk first. The new key is saved in the configured key source as pending before the "
            "rekey, so an interrupted rotation is finished or undone at the next start. The biometric key is "
            "not changed. Exit status: 0 rotated, 2 when the store or the key source cannot be used."
        ),
    )
    rekey.set_defaults(handler=command_rekey)

    adopt = actions.add_parser(
        "adopt-key",
        parents=[common],
        help="move the store key from a legacy plain key file into the key source set in branch.toml",
        description=(
            "Stop the kiosk first, and set [store] key_source (tpm, keyring or wrapped_file) in branch.toml. "
            "The key source takes the old store key and the biometric key derived from it, the store is "
            "re-encrypted under a new random key (PRAGMA rekey), and the plain key file is overwritten and "
            "removed. Exit status: 0 adopted, 2 when the key file, the store or the key source cannot be used."
        ),
    )
    adopt.add_argument("--from-key-file", type=Path, required=True, help="the legacy plain key file, e.g. keys/store.key")
    adopt.set_defaults(handler=command_adopt_key)


def command_rekey(args: argparse.Namespace) -> int:
    """Rotate the store key of the branch in ``args.home``; errors propagate to the CLI's exit status 2."""
    config = load_config(args.home)
    result = rotate_store_key(config.store_path, config.store_key)
    log.info("store key of %s rotated", config.store_path)

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(f"store       {result.store_path}")
        print(f"key source  {result.source['kind']}")
        print("存储密钥已更换 store key rotated")
    return 0


def command_adopt_key(args: argparse.Namespace) -> int:
    """Adopt a legacy plain key file into the branch's key source; errors propagate to exit status 2."""
    config = load_config(args.home)
    if isinstance(config.store_key, PlainFileSource):
        raise ConfigError(
            "branch.toml still names the plain key file: set [store] key_source to tpm, keyring or wrapped_file first",
            Message("请先在 branch.toml 中把 [store] key_source 设为 tpm、keyring 或 wrapped_file。",
                    "Set [store] key_source to tpm, keyring or wrapped_file in branch.toml first."),
        )
    result = adopt_plain_key(config.store_path, args.from_key_file, config.store_key)
    log.info("store %s: plain key file %s adopted into %s", config.store_path, args.from_key_file, config.store_key.label())

    if args.json:
        print(json.dumps(result.to_json() | {"removed_key_file": str(args.from_key_file)}, ensure_ascii=False))
    else:
        print(f"store       {result.store_path}")
        print(f"key source  {result.source['kind']}")
        print(f"removed     {args.from_key_file}")
        print("存储密钥已移入密钥来源，明文密钥文件已删除 / store key moved into the key source, plain key file removed")
    return 0


def adopt_plain_key(store_path: Path, key_file: Path, source: StoreKeySource) -> RotationResult:
    """Move the key in ``key_file`` into ``source``, rotate the store key, then destroy ``key_file``.

    The biometric key stays the one derived from the old store key, so sealed face
    templates and strokes still open. A run interrupted after the key source took the
    keys is finished by running it again. Raises :class:`StoreKeyError` when ``source``
    contains keys that are not this store's, and the errors of :class:`Database.open`
    when the plain key does not open the store.
    """
    old_key = load_key_file(key_file)
    biometric_key = derive_legacy_biometric_key(old_key)

    existing = source.read_secret(STORE_SLOT)
    if existing is None:
        Database.open(store_path, old_key).close()
        source.write_secret(BIOMETRIC_SLOT, biometric_key)
        source.write_secret(STORE_SLOT, old_key)
    elif source.read_secret(BIOMETRIC_SLOT) != biometric_key:
        raise StoreKeyError(
            f"{source.label()} already contains keys that do not belong to {key_file}; the key file was left in place"
        )

    result = rotate_store_key(store_path, source)
    _destroy_key_file(key_file)
    return result


def _destroy_key_file(path: Path) -> None:
    """Overwrite ``path`` with zeros, flush it to disk, and remove it."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
