"""``countersign store check`` and ``countersign store migrate``: a store file examined or converted by IT.

``check`` only reads: it opens the file with ``immutable=1``, so neither the file nor
any ``-wal`` or ``-shm`` beside it is created or changed. ``migrate`` converts a
SQLCipher 3 store to SQLCipher 4 behind a checked backup.
"""

import argparse
import json
import logging
import sys
from pathlib import Path

from countersign.commands.store_rekey import add_rekey
from countersign.config import CONFIG_NAME, load_config
from kiosk.errors import ConfigError, StoreError, WrongStoreKey
from kiosk.messages import Message
from kiosk.store.cipher_migration import CipherMigration, migrate_sqlcipher3
from kiosk.store.integrity import StoreStatus, check_store_file, key_texts_from_file

log = logging.getLogger(__name__)

_UNREADABLE = Message("无法读取指定的文件，请检查路径和权限。", "The file given cannot be read. Check the path and its permissions.")


# The verdict of 'store check' for branch IT, by status.
_STATUS_TEXT = {
    StoreStatus.OK: Message("存储完好，密钥正确。", "The store is intact and the key is right."),
    StoreStatus.KEY_MISMATCH: Message(
        "密钥与存储不符（或文件开头的盐值已损坏）。", "The key does not match the store (or the salt at the start of the file is damaged)."
    ),
    StoreStatus.CORRUPT: Message("存储已损坏，需要维修；请勿删除该文件。", "The store is damaged and needs service; do not delete the file."),
    StoreStatus.OLD_FORMAT: Message(
        "这是 SQLCipher 3 格式的旧存储，请用 countersign store migrate 转换。",
        "This is an old SQLCipher 3 store; convert it with countersign store migrate.",
    ),
    StoreStatus.NOT_ENCRYPTED: Message("这是未加密的 SQLite 文件，不是本机的存储。", "This is an unencrypted SQLite file, not a CounterSign store."),
}


def register(commands, common: argparse.ArgumentParser) -> None:
    store_parser = commands.add_parser("store", parents=[common], help="check, migrate or rekey a SQLCipher store")
    actions = store_parser.add_subparsers(dest="store_action", required=True)

    check = actions.add_parser(
        "check",
        parents=[common],
        help="report whether a store opens and passes cipher_integrity_check and integrity_check; never changes it",
    )
    check.add_argument("path", type=Path, help="the store file (e.g. store/countersign.db)")
    check.add_argument(
        "--key-file",
        type=Path,
        help="file holding the key as PRAGMA key takes it: a passphrase, or x'…' with a raw key in hex "
        "(default: the store key from the key source of the branch in --home)",
    )
    check.set_defaults(handler=command_check)

    migrate = actions.add_parser(
        "migrate",
        parents=[common],
        help="convert a SQLCipher 3 store to SQLCipher 4 in place, behind a backup kept until row counts and integrity match",
    )
    migrate.add_argument("path", type=Path, help="the SQLCipher 3 store file")
    migrate.add_argument("--key-file", type=Path, help="file holding the key, as for 'store check' (default: the key source of --home)")
    migrate.set_defaults(handler=command_migrate)

    add_rekey(actions, common)


def _read_key_file(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the key file {path}: {error}", _UNREADABLE) from error


def _key_text(args: argparse.Namespace) -> str | None:
    """Return the key from --key-file, else the store key of the branch in --home, if it has one.

    Branches keep their key in a key source (TPM, keystore, wrapped file), not in a file
    that IT could pass, so the branch's own source is the usual way to give it.
    """
    if args.key_file is not None:
        return _read_key_file(args.key_file)
    if not (args.home / CONFIG_NAME).is_file():
        return None
    return f"x'{load_config(args.home).store_key.load().store.hex()}'"


def command_check(args: argparse.Namespace) -> int:
    """Print ``{status, detail}``; exit 0 for ok, 1 for any other status, 2 when a file cannot be read."""
    key_text = _key_text(args)
    try:
        result = check_store_file(args.path, key_text)
    except OSError as error:
        raise ConfigError(f"cannot read the store file {args.path}: {error.strerror or error}", _UNREADABLE) from error

    if result.status is StoreStatus.OK:
        log.info("store check of %s: ok", args.path)
    else:
        log.error("store check of %s: %s: %s", args.path, result.status.value, result.detail, extra={"console": False})
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(f"{result.status.value}: {result.detail}")
        print(_STATUS_TEXT[result.status].bilingual())
    return 0 if result.status is StoreStatus.OK else 1


def command_migrate(args: argparse.Namespace) -> int:
    """Migrate and print the row counts; exit 1 when the migration failed (the file is as before), 2 on a bad path."""
    key_text = _key_text(args)
    if not args.path.is_file():
        raise ConfigError(f"the store file {args.path} does not exist or is not a file", _UNREADABLE)

    try:
        result = _migrate_with_key_file(args.path, key_texts_from_file(key_text or ""))
    except StoreError as error:
        log.error("store migrate of %s failed: %s", args.path, error, extra={"console": False})
        _print_failure(args, str(error), error.message)
        return 1

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif result.migrated:
        print(f"{args.path} migrated to SQLCipher 4; row counts and integrity checks match, the backup was deleted")
        for table, count in result.row_counts.items():
            print(f"  {table:<28} {count}")
    else:
        print(f"{args.path} is SQLCipher 4 already; nothing was changed")
    return 0


def _migrate_with_key_file(path: Path, key_texts: list[str]) -> CipherMigration:
    """Migrate with the first form of the key that opens the file; the last :class:`WrongStoreKey` passes through."""
    for key_text in key_texts[:-1]:
        try:
            return migrate_sqlcipher3(path, key_text)
        except WrongStoreKey:
            continue
    return migrate_sqlcipher3(path, key_texts[-1])


def _print_failure(args: argparse.Namespace, detail: str, message: Message) -> None:
    """Print a failed job as the command line prints every error: one line, or one JSON object."""
    if args.json:
        print(json.dumps({"error": detail, "message": message.to_json()}, ensure_ascii=False))
    else:
        print(f"error: {detail} | 错误：{message.zh}", file=sys.stderr)
