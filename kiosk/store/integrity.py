"""Integrity checks of a SQLCipher store, on an open connection or on a file left untouched.

Two checks run together, because each misses what the other finds. SQLCipher's
``cipher_integrity_check`` verifies the HMAC of every page in the file, so one flipped
bit anywhere is found, but it passes a file cut off at a page boundary. SQLite's
``integrity_check`` (or ``quick_check``) walks every b-tree, so it finds missing
pages, but it reads only the pages that a tree reaches. A row count is no check at all,
because a count served by an index still returns while the table behind it is damaged.
"""

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from urllib.parse import quote

import sqlcipher3

from kiosk.store.page_hmac import second_page_verifies

log = logging.getLogger(__name__)

# The first 16 bytes of a plain SQLite 3 file. A SQLCipher file starts with its random salt.
SQLITE_HEADER = b"SQLite format 3\x00"

# A raw key as ``PRAGMA key`` takes it: 32 bytes in hex, optionally followed by the 16-byte salt.
_RAW_KEY = re.compile(r"^x'([0-9a-fA-F]{64}|[0-9a-fA-F]{96})'$")
_BARE_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")

# At most this many problem lines are kept; a badly damaged file produces thousands.
MAX_PROBLEMS = 20


class StoreStatus(str, Enum):
    OK = "ok"
    KEY_MISMATCH = "key_mismatch"
    CORRUPT = "corrupt"
    OLD_FORMAT = "old_format"
    NOT_ENCRYPTED = "not_encrypted"


@dataclass(frozen=True)
class StoreCheck:
    """The outcome of :func:`check_store_file`: a status and one sentence for IT."""

    status: StoreStatus
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"status": self.status.value, "detail": self.detail}


def pragma_key(key: bytes) -> str:
    """Return the ``PRAGMA key`` argument for a raw 32-byte key, as the kiosk keys its store."""
    return f"x'{key.hex()}'"


def key_texts_from_file(text: str) -> list[str]:
    """Return the ``PRAGMA key`` arguments to try for the contents of a key file, in order.

    The file contains the key as ``PRAGMA key`` takes it: ``x'…'`` with a raw key in hex,
    or else a passphrase. The kiosk's own key file (``keys/store.key``) contains the raw
    key as bare hex, so 64 hex digits are tried as a passphrase first and then as a raw key.
    """
    text = text.strip()
    if _RAW_KEY.match(text):
        return [text]
    if _BARE_HEX_KEY.match(text):
        return [text, f"x'{text.lower()}'"]
    return [text]


def apply_key(connection: sqlcipher3.Connection, key_text: str, compatibility: int | None = None) -> None:
    """Key ``connection`` with ``key_text`` (a passphrase or ``x'…'``), in SQLCipher ``compatibility`` if given."""
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute("PRAGMA key = '{}'".format(key_text.replace("'", "''")))
    if compatibility is not None:
        connection.execute(f"PRAGMA cipher_compatibility = {int(compatibility)}")


def key_opens(connection: sqlcipher3.Connection) -> bool:
    """Return whether the keyed ``connection`` can read page 1, the key's test.

    Returns False for ``SQLITE_NOTADB``, which a wrong key and a damaged page 1 both
    cause. Any other error, such as ``SQLITE_CORRUPT`` from a damaged schema page after a
    sound page 1, is raised: the key is right and the file is damaged.
    """
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as error:
        if getattr(error, "sqlite_errorcode", None) == sqlcipher3.SQLITE_NOTADB:
            return False
        raise
    return True


def integrity_problems(connection: sqlcipher3.Connection, quick: bool = False) -> list[str]:
    """Run ``cipher_integrity_check`` and then ``integrity_check`` (``quick_check`` with ``quick``).

    Returns the problems found, as lines of text; an empty list means the store is sound.
    A check that fails outright (SQLite reports a malformed image) is a problem too.
    """
    problems: list[str] = []
    pragmas = ("cipher_integrity_check", "quick_check" if quick else "integrity_check")
    for pragma in pragmas:
        try:
            rows = connection.execute(f"PRAGMA {pragma}").fetchall()
        except sqlcipher3.DatabaseError as error:
            problems.append(f"{pragma} failed: {error}")
            continue
        for (line,) in rows:
            if line != "ok":
                problems.extend(f"{pragma}: {part}" for part in str(line).splitlines() if part.strip())
    return problems[:MAX_PROBLEMS]


def has_plain_sqlite_header(path: Path) -> bool:
    """Return whether ``path`` starts with the header of an unencrypted SQLite 3 file."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def connect_read_only(path: Path) -> sqlcipher3.Connection:
    """Open ``path`` with ``immutable=1``, so SQLite takes no lock and creates no -wal or -shm file.

    The caller must make sure that no write-ahead log belongs to the file, because an
    immutable connection does not read one.
    """
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    return sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def opens_as_sqlcipher3(path: Path, key_text: str) -> bool:
    """Return whether ``key_text`` opens ``path`` with SQLCipher 3's settings, reading only."""
    connection = connect_read_only(path)
    try:
        apply_key(connection, key_text, compatibility=3)
        try:
            return key_opens(connection)
        except sqlcipher3.DatabaseError:
            # Page 1 opened with SQLCipher 3's settings, so the file is one, if damaged.
            return True
    finally:
        connection.close()


def check_store_file(path: Path, key_file_text: str | None) -> StoreCheck:
    """Classify the store at ``path`` without changing it or creating any file beside it.

    ``key_file_text`` is the content of a key file (see :func:`key_texts_from_file`), or
    ``None`` when no key was given. A file with a write-ahead log beside it is checked as
    a private copy, so the log is read but neither file is touched. Raises ``OSError``
    when ``path`` cannot be read.
    """
    with path.open("rb"):
        pass
    if path.stat().st_size == 0:
        return StoreCheck(StoreStatus.CORRUPT, f"{path} is empty (0 bytes)")
    if has_plain_sqlite_header(path):
        return StoreCheck(StoreStatus.NOT_ENCRYPTED, f"{path} is a plain SQLite file, not encrypted with SQLCipher")
    if key_file_text is None:
        return StoreCheck(StoreStatus.KEY_MISMATCH, f"{path} is encrypted and no key was given; pass --key-file")

    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        with tempfile.TemporaryDirectory(prefix="countersign-check-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, Path(f"{copy}-wal"))
            # NOTE: a kiosk that writes while the two files are copied can leave the copies out
            # of step, and that shows as damage. Check a store while the kiosk is stopped.
            return _check_keyed_file(copy, key_file_text, shown_as=path, immutable=False)
    return _check_keyed_file(path, key_file_text, shown_as=path, immutable=True)


def _check_keyed_file(path: Path, key_file_text: str, shown_as: Path, immutable: bool) -> StoreCheck:
    candidates = key_texts_from_file(key_file_text)
    for key_text in candidates:
        if immutable:
            connection = connect_read_only(path)
        else:
            connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        try:
            apply_key(connection, key_text)
            if not key_opens(connection):
                continue
            problems = integrity_problems(connection)
        except sqlcipher3.DatabaseError as error:
            problems = [f"the schema cannot be read: {error}"]
        finally:
            connection.close()
        if problems:
            return StoreCheck(StoreStatus.CORRUPT, f"{shown_as} is damaged: " + "; ".join(problems))
        return StoreCheck(StoreStatus.OK, f"{shown_as} opens with the key and passes cipher_integrity_check and integrity_check")

    if any(opens_as_sqlcipher3(path, key_text) for key_text in candidates):
        return StoreCheck(
            StoreStatus.OLD_FORMAT,
            f"{shown_as} is a SQLCipher 3 file; run 'countersign store migrate {shown_as} --key-file FILE' to convert it to SQLCipher 4",
        )
    if any(second_page_verifies(path, key_text) for key_text in candidates):
        return StoreCheck(
            StoreStatus.CORRUPT,
            f"{shown_as} is damaged: the key is right (page 2 verifies with it) but the first page fails its HMAC",
        )
    # With a damaged salt no key verifies any page, so a wrong key and that damage look alike.
    return StoreCheck(
        StoreStatus.KEY_MISMATCH,
        f"the key does not open {shown_as}: the key is wrong, or the file's salt (its first 16 bytes) is damaged",
    )
