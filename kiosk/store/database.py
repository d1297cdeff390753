"""Opening the SQLCipher 4 store: key, checks, pragmas and migrations.

The store is opened with a raw 256-bit key (``PRAGMA key = "x'…'"``), so no passphrase
derivation runs. Before anything is written the key is tested with a read. A wrong key,
a SQLCipher 3 file and a plain SQLite file are each rejected with the file left
byte-identical. Writes use WAL with ``synchronous=FULL`` so that a committed
transaction survives a power cut.
"""

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from devices.ownership import ThreadOwner
from kiosk.errors import (
    SchemaTooNew,
    StoreCorrupt,
    StoreError,
    StoreMissing,
    StoreNotEncrypted,
    StoreOldFormat,
    WrongStoreKey,
)
from kiosk.store.integrity import has_plain_sqlite_header, integrity_problems, opens_as_sqlcipher3, pragma_key
from kiosk.store.migrations import LATEST_VERSION, MIGRATIONS
from kiosk.store.page_hmac import second_page_verifies

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    """A keyed SQLCipher connection owned by one thread after it is opened."""

    def __init__(self, connection: sqlcipher3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.owner = ThreadOwner(f"store {path.name}")

    @classmethod
    def open(cls, path: Path, key: bytes, create: bool = False, check_integrity: bool = False) -> "Database":
        """Open (or with ``create``, create) the store at ``path`` and migrate it.

        With ``check_integrity``, ``cipher_integrity_check`` and ``integrity_check`` run
        before anything is written, and damage raises :class:`StoreCorrupt` with the file
        closed and left as it was (:func:`kiosk.store.quarantine.open_at_start` moves it aside).
        Raises :class:`StoreMissing`, :class:`WrongStoreKey`, :class:`StoreOldFormat`,
        :class:`StoreNotEncrypted`, :class:`StoreCorrupt`, :class:`SchemaTooNew` or
        :class:`StoreError`.
        """
        if not path.exists() and not create:
            raise StoreMissing(f"store {path} does not exist")
        if path.exists() and create:
            raise StoreError(f"store {path} already exists; refusing to create it again")
        if not create and path.stat().st_size == 0:
            # SQLCipher would treat an empty file as a new store and start again from nothing.
            raise StoreError(f"store {path} is empty (0 bytes); restore it from a backup instead of starting a new store")
        if not create and has_plain_sqlite_header(path):
            raise StoreNotEncrypted(f"store {path} is a plain SQLite file, not a SQLCipher store; the file was not changed")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if create:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

        connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA cipher_log_level = NONE")
            connection.execute(f"PRAGMA key = \"{pragma_key(key)}\"")
            try:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlcipher3.DatabaseError as error:
                if getattr(error, "sqlite_errorcode", None) == sqlcipher3.SQLITE_CORRUPT:
                    # Page 1 decrypted, so the key is right, but a page of the schema is damaged.
                    raise StoreCorrupt(f"store {path} is damaged: the schema cannot be read: {error}") from error
                if opens_as_sqlcipher3(path, pragma_key(key)):
                    raise StoreOldFormat(
                        f"store {path} is a SQLCipher 3 file; stop the kiosk and run "
                        f"'countersign store migrate {path} --key-file KEY_FILE' once to convert it to SQLCipher 4; "
                        "the file was not changed"
                    ) from error
                if second_page_verifies(path, pragma_key(key)):
                    raise StoreCorrupt(
                        f"store {path} is damaged: the key is right (page 2 verifies with it) but the first page fails its HMAC"
                    ) from error
                raise WrongStoreKey(
                    f"the key does not open {path}: the key is wrong, or the file's salt is damaged; "
                    "the file was not changed"
                ) from error

            version = connection.execute("PRAGMA cipher_version").fetchone()
            if not version or not str(version[0]).startswith("4."):
                raise StoreError(f"SQLCipher 4 is required, this build reports {version}")

            # Another process (a second kiosk window, a diagnostic command) may hold the
            # write lock for a moment; wait for it instead of failing at once.
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if check_integrity:
                problems = integrity_problems(connection)
                if problems:
                    raise StoreCorrupt(f"store {path} failed its integrity check: " + "; ".join(problems))
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            database = cls(connection, path)
            database.migrate()
        except BaseException:
            connection.close()
            raise

        log.info("store %s open at schema version %d", path, database.schema_version)
        return database

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply every migration above the store's version, each in its own transaction."""
        current = self.schema_version
        if current > LATEST_VERSION:
            raise SchemaTooNew(f"store {self.path} is at schema {current}; this CounterSign knows up to {LATEST_VERSION}")
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            with self.transaction():
                for statement in migration.statements:
                    self.connection.execute(statement)
                self.connection.execute(f"PRAGMA user_version = {migration.version}")
            log.info("store %s migrated to schema %d: %s", self.path, migration.version, migration.description)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """Run the block in ``BEGIN IMMEDIATE`` … ``COMMIT``, rolling back on any exception."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()
