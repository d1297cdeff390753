"""Converting a SQLCipher 3 store to SQLCipher 4, once, behind a backup that is checked before it goes.

SQLCipher 4 changed its defaults (page size, KDF iterations, HMAC and KDF algorithms), so
a SQLCipher 3 file does not open with them. ``PRAGMA cipher_migrate`` rewrites the file
in place with the SQLCipher 4 settings. The file is copied first. Afterwards the row
count of every table and both integrity checks are compared, and the copy is deleted
only when all match. Otherwise the copy replaces the file again.
"""

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlcipher3

from kiosk.errors import StoreCorrupt, StoreError, WrongStoreKey
from kiosk.store.integrity import apply_key, connect_read_only, integrity_problems, key_opens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CipherMigration:
    """The result of :func:`migrate_sqlcipher3`: ``migrated`` is False when the file was SQLCipher 4 already."""

    path: Path
    migrated: bool
    row_counts: dict[str, int]

    def to_json(self) -> dict:
        return {"path": str(self.path), "migrated": self.migrated, "row_counts": self.row_counts}


def row_counts(connection: sqlcipher3.Connection) -> dict[str, int]:
    """Return the number of rows of every table of the keyed ``connection``, by table name."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _read_state(path: Path, key_text: str, compatibility: int | None) -> tuple[dict[str, int], list[str]] | None:
    """Return the row counts and integrity problems of ``path``, or ``None`` when the key does not open it."""
    connection = connect_read_only(path)
    try:
        apply_key(connection, key_text, compatibility)
        try:
            if not key_opens(connection):
                return None
        except sqlcipher3.DatabaseError as error:
            return {}, [f"the schema cannot be read: {error}"]
        problems = integrity_problems(connection)
        counts = row_counts(connection) if not problems else {}
        return counts, problems
    finally:
        connection.close()


def _copy_with_fsync(source: Path, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
        shutil.copyfileobj(reader, writer)
        writer.flush()
        os.fsync(writer.fileno())


def migrate_sqlcipher3(path: Path, key_text: str) -> CipherMigration:
    """Convert the SQLCipher 3 store at ``path`` to SQLCipher 4 in place.

    ``key_text`` is the ``PRAGMA key`` argument (a passphrase or ``x'…'``). A file that
    is SQLCipher 4 already is left alone. Raises :class:`WrongStoreKey` when the key
    opens the file in neither format, :class:`StoreCorrupt` when the SQLCipher 3 file is
    damaged (nothing is changed), and :class:`StoreError` when the migration fails or
    its result differs, after the backup has been put back.
    """
    for suffix in ("-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            raise StoreError(
                f"{companion} exists: a program may still have the store open; stop it and open the store "
                "once with the program that wrote it, so the log is written back, then run the migration again"
            )

    current = _read_state(path, key_text, compatibility=None)
    if current is not None:
        log.info("store %s is SQLCipher 4 already; nothing to migrate", path)
        return CipherMigration(path, migrated=False, row_counts=current[0])
    before = _read_state(path, key_text, compatibility=3)
    if before is None:
        raise WrongStoreKey(f"the key opens {path} neither as SQLCipher 4 nor as SQLCipher 3; the file was not changed")
    counts_before, problems = before
    if problems:
        raise StoreCorrupt(f"the SQLCipher 3 store {path} is damaged, so it was not migrated: " + "; ".join(problems))

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.sqlcipher3-backup-{stamp}")
    _copy_with_fsync(path, backup)
    log.info("store %s copied to %s before the SQLCipher 4 migration", path, backup)

    try:
        _run_cipher_migrate(path, key_text)
        after = _read_state(path, key_text, compatibility=None)
        if after is None:
            raise StoreError(f"after cipher_migrate the key no longer opens {path} as SQLCipher 4")
        counts_after, problems_after = after
        if problems_after:
            raise StoreError(f"after cipher_migrate {path} fails its integrity check: " + "; ".join(problems_after))
        if counts_after != counts_before:
            raise StoreError(f"after cipher_migrate the row counts of {path} differ: before {counts_before}, after {counts_after}")
    except (StoreError, sqlcipher3.DatabaseError) as error:
        os.replace(backup, path)
        log.error(
            "SQLCipher 4 migration of %s failed, SQLCipher 3 file restored from its backup: %s", path, error, extra={"console": False}
        )
        if isinstance(error, StoreError):
            raise
        raise StoreError(f"cipher_migrate failed on {path}: {error}; the SQLCipher 3 file was restored") from error

    backup.unlink()
    log.info("store %s migrated to SQLCipher 4; %d tables match, backup deleted", path, len(counts_after))
    return CipherMigration(path, migrated=True, row_counts=counts_after)


def _run_cipher_migrate(path: Path, key_text: str) -> None:
    connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        apply_key(connection, key_text)
        rows = connection.execute("PRAGMA cipher_migrate").fetchall()
    finally:
        connection.close()
    # SQLCipher returns one row holding 0 on success and an error code otherwise.
    if rows != [("0",)] and rows != [(0,)]:
        raise StoreError(f"cipher_migrate on {path} returned {rows}")
