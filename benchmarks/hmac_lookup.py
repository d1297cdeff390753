"""Time the lookup of a keyed-hash document number among one million blacklist entries.

Usage: python benchmarks/hmac_lookup.py [--entries N] [--lookups N] [--folder DIR]

Builds a SQLCipher 4 database, opened with a raw key and the PRAGMAs of
``kiosk.store.database``, with one table of N entries keyed by the HMAC-SHA256 of a
document number in hex, as ``RentalStore.document_index`` computes it, under a unique
index. The document numbers are synthetic 18-character resident ID numbers with a
valid check character. The database is then closed and opened again, and each lookup
computes the HMAC of one number and fetches its row: half the numbers are listed, half
are not. Prints the median, p99 and maximum of the lookups, and separately the first
100 after opening, while SQLCipher's page cache is still empty.
"""

import argparse
import hashlib
import hmac
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlcipher3

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from kiosk.identity.id_number import check_character  # noqa: E402

FIRST_LOOKUPS = 100
FIRST_BIRTH_DAY = date(1950, 1, 1)
BIRTH_DAYS = 20_000  # about 55 years
MAX_ENTRIES = 1000 * BIRTH_DAYS // 2
BATCH = 50_000


def open_store(path: Path, key: bytes) -> sqlcipher3.Connection:
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def document_number(serial: int) -> str:
    """Return the synthetic resident ID number (Beijing Chaoyang, born 1950 to 2004) of ``serial``.

    Serials below 20,000,000 give distinct numbers: the birth day is ``serial`` modulo
    BIRTH_DAYS and the three-digit sequence is the quotient.
    """
    birth = FIRST_BIRTH_DAY + timedelta(days=serial % BIRTH_DAYS)
    first_17 = f"110105{birth:%Y%m%d}{serial // BIRTH_DAYS:03d}"
    return first_17 + check_character(first_17)


def index_of(index_key: bytes, number: str) -> str:
    return hmac.new(index_key, number.encode("utf-8"), hashlib.sha256).hexdigest()


def build(path: Path, key: bytes, index_key: bytes, entries: int) -> float:
    """Create the blacklist with ``entries`` rows of serials 0 … entries-1 and return the seconds taken."""
    started = time.perf_counter()
    connection = open_store(path, key)
    connection.execute(
        "CREATE TABLE blacklist (document_index TEXT NOT NULL, reason TEXT NOT NULL, listed_at TEXT NOT NULL)"
    )
    for start in range(0, entries, BATCH):
        rows = [
            (index_of(index_key, document_number(serial)), "unpaid damage", "2026-12-01T09:00:00+08:00")
            for serial in range(start, min(entries, start + BATCH))
        ]
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany("INSERT INTO blacklist VALUES (?, ?, ?)", rows)
        connection.execute("COMMIT")
    connection.execute("CREATE UNIQUE INDEX blacklist_by_document ON blacklist (document_index)")
    connection.close()
    return time.perf_counter() - started


def time_lookups(path: Path, key: bytes, index_key: bytes, entries: int, lookups: int, seed: int) -> tuple[list[float], int]:
    """Open the store, time ``lookups`` lookups, HMAC included, and return the seconds and the hit count."""
    rng = random.Random(seed)
    connection = open_store(path, key)
    seconds = []
    hits = 0
    for lookup in range(lookups):
        # Even lookups ask for a listed serial, odd ones for a serial above the listed range.
        serial = rng.randrange(entries) if lookup % 2 == 0 else entries + rng.randrange(entries)
        number = document_number(serial)
        started = time.perf_counter()
        row = connection.execute(
            "SELECT reason, listed_at FROM blacklist WHERE document_index = ?", (index_of(index_key, number),)
        ).fetchone()
        seconds.append(time.perf_counter() - started)
        hits += row is not None
    connection.close()
    return seconds, hits


def describe(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {label} | {len(seconds):,} | {statistics.median(seconds) * 1000:.3f} | {p99 * 1000:.3f} | "
        f"{ordered[-1] * 1000:.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="blacklist entries (default: %(default)s)")
    parser.add_argument("--lookups", type=int, default=20_000, help="timed lookups (default: %(default)s)")
    parser.add_argument("--folder", type=Path, help="folder for the database (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the looked-up serials (default: %(default)s)")
    arguments = parser.parse_args()
    if not 0 < arguments.entries <= MAX_ENTRIES:
        parser.error(f"--entries must be between 1 and {MAX_ENTRIES:,}, since unlisted numbers use the serials above them")

    key = secrets.token_bytes(32)
    index_key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="countersign-bench-", dir=arguments.folder) as folder:
        path = Path(folder) / "blacklist.db"
        build_seconds = build(path, key, index_key, arguments.entries)
        size = sum(file.stat().st_size for file in path.parent.iterdir())
        seconds, hits = time_lookups(path, key, index_key, arguments.entries, arguments.lookups, arguments.seed)

    expected_hits = (arguments.lookups + 1) // 2
    if hits != expected_hits:
        print(f"error: {hits} lookups found an entry, expected {expected_hits}", file=sys.stderr)
        return 1

    with sqlcipher3.connect(":memory:") as connection:
        cipher_version = connection.execute("PRAGMA cipher_version").fetchone()[0]
    print(f"{arguments.entries:,} entries, built in {build_seconds:.1f} s, {size / 2**20:.1f} MiB on disk")
    print(f"SQLCipher {cipher_version}, Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| lookups, HMAC-SHA256 included | count | median (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(describe(f"first {FIRST_LOOKUPS} after opening", seconds[:FIRST_LOOKUPS]))
    print(describe("all", seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
