"""Time the store's write and read pattern on SQLCipher beside plain SQLite.

Usage: python benchmarks/store_vs_sqlite.py [--rentals N] [--lookups N] [--repeats N] [--folder DIR]

Three databases get the same schema (the store's migrations) and the same PRAGMAs as
``kiosk.store.database``: WAL, ``synchronous = FULL``, foreign keys and a busy timeout.

- ``sqlcipher``: sqlcipher3 keyed with a raw 256-bit key, as the store opens it;
- ``same engine, no key``: sqlcipher3 without a key, which SQLCipher runs as plain
  SQLite, so that only the encryption differs;
- ``stdlib sqlite3``: Python's own sqlite3 module, a separately built SQLite.

Each rental writes what one demo rental writes, in the store's four transactions. They
hold the reservation, then the customer and the verification with its outbox event,
then the face template. The last holds the contract with a 90 KiB PDF, its evidence
record, the reservation's new status and the ``contract.signed`` event. The lookups then fetch a random reservation by its document
index and a random contract's PDF by its number. Each database is built ``--repeats``
times, and the table pools the samples of all runs. The folder should be on the disk
the store would use, since ``synchronous = FULL`` makes every commit wait for fsync.
Prints one Markdown table.
"""

import argparse
import hashlib
import json
import os
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from kiosk.store.migrations import MIGRATIONS  # noqa: E402

PDF_BYTES = 90 * 1024
STORE_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
)


@dataclass
class Timings:
    """Seconds per rental written and per lookup, for one database."""

    rentals: list[float]
    reservation_lookups: list[float]
    contract_lookups: list[float]
    file_bytes: int
    repeats: int = 1

    def workload_seconds(self) -> float:
        """Return the time of one run's writes and lookups together, averaged over the runs."""
        return (sum(self.rentals) + sum(self.reservation_lookups) + sum(self.contract_lookups)) / self.repeats


def open_sqlcipher(path: Path, key: bytes | None):
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    if key is not None:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return connection


def open_stdlib(path: Path, key: bytes | None):
    return sqlite3.connect(str(path), isolation_level=None)


def create_schema(connection) -> None:
    """Apply the store's PRAGMAs and migrations, and the reference rows a rental needs."""
    for pragma in STORE_PRAGMAS:
        connection.execute(pragma)
    for migration in MIGRATIONS:
        connection.execute("BEGIN IMMEDIATE")
        for statement in migration.statements:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {migration.version}")
        connection.execute("COMMIT")
    connection.execute("INSERT INTO vehicles VALUES ('V1', '京A·12345', '大众朗逸', 'VW Lavida', 'C1', 'economy')")
    connection.execute("INSERT INTO price_lists VALUES ('2026-12', '{}')")


def write_rental(connection, number: int, pdf: bytes) -> tuple[str, str]:
    """Write one rental in the store's four transactions and return its document index and contract number."""
    document_index = hashlib.sha256(f"customer-{number}".encode()).hexdigest()
    reservation_no = f"R{number:08d}"
    contract_no = f"BJ-CY01-20261205-{number:06d}"
    verification_id = str(uuid.uuid4())
    now = "2026-12-05T10:00:00+08:00"

    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO reservations (reservation_no, document_index, document_number, customer_name, phone, "
        "vehicle_id, pickup_at, return_at, licence, price_list_version) VALUES (?, ?, ?, ?, ?, 'V1', ?, ?, ?, '2026-12')",
        (reservation_no, document_index, f"1101051961080{number:05d}", "王建国", "13800000000", now, now, "{}"),
    )
    connection.execute("COMMIT")

    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, address, "
        "phone, first_seen_at, last_seen_at) VALUES ('resident', ?, ?, '王建国', '1', '1961-08-04', ?, ?, ?, ?) "
        "ON CONFLICT (document_index) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        (document_index, f"1101051961080{number:05d}", "北京市朝阳区建国路 88 号", "13800000000", now, now),
    )
    customer_id = connection.execute("SELECT customer_id FROM customers WHERE document_index = ?", (document_index,)).fetchone()[0]
    connection.execute(
        "INSERT INTO verifications (verification_id, session_id, customer_id, reservation_no, decision, checks, "
        "created_at) VALUES (?, ?, ?, ?, 'approved', ?, ?)",
        (verification_id, secrets.token_hex(6), customer_id, reservation_no, json.dumps([{"name": "face_match"}] * 12), now),
    )
    insert_event(connection, "verification.recorded", verification_id, now)
    connection.execute("COMMIT")

    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO face_templates (customer_id, verification_id, template, created_at) VALUES (?, ?, ?, ?)",
        (customer_id, verification_id, secrets.token_bytes(128 * 4), now),
    )
    connection.execute("COMMIT")

    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE customers SET last_seen_at = ? WHERE customer_id = ?", (now, customer_id))
    connection.execute(
        "INSERT INTO contracts (contract_no, verification_id, customer_id, reservation_no, template_id, "
        "template_version, template_sha256, fields, acknowledgements, signature_strokes, pdf, pdf_sha256, "
        "signer_subject, signed_at) VALUES (?, ?, ?, ?, 'rental', '3', ?, ?, '[]', ?, ?, ?, 'CN=Seal', ?)",
        (
            contract_no, verification_id, customer_id, reservation_no, "0" * 64, json.dumps({"field": "x" * 2000}),
            json.dumps([[0, 0, 0]] * 240), pdf, hashlib.sha256(pdf).hexdigest(), now,
        ),
    )
    connection.execute(
        "INSERT INTO contract_evidence VALUES ('BJ-CY01', ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, contract_no, *(secrets.token_hex(32) for _ in range(8))),
    )
    connection.execute("UPDATE reservations SET status = 'picked_up' WHERE reservation_no = ?", (reservation_no,))
    insert_event(connection, "contract.signed", contract_no, now)
    connection.execute("COMMIT")
    return document_index, contract_no


def insert_event(connection, event_type: str, aggregate_id: str, now: str) -> None:
    connection.execute(
        "INSERT INTO outbox (event_id, event_type, aggregate_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), event_type, aggregate_id, json.dumps({"hash": secrets.token_hex(32)} | {"pad": "x" * 400}), now),
    )


def run_one(opener: Callable, key: bytes | None, path: Path, rentals: int, lookups: int, seed: int) -> Timings:
    """Create a database at ``path``, write ``rentals`` rentals, reopen it and time ``lookups`` lookups of each kind."""
    rng = random.Random(seed)
    pdf = rng.randbytes(PDF_BYTES)
    connection = opener(path, key)
    create_schema(connection)
    written = []
    rental_seconds = []
    for number in range(rentals):
        started = time.perf_counter()
        written.append(write_rental(connection, number, pdf))
        rental_seconds.append(time.perf_counter() - started)
    connection.close()

    connection = opener(path, key)
    for pragma in STORE_PRAGMAS:
        connection.execute(pragma)
    reservation_seconds = []
    contract_seconds = []
    for _ in range(lookups):
        document_index, contract_no = rng.choice(written)
        started = time.perf_counter()
        row = connection.execute(
            "SELECT reservation_no, vehicle_id, pickup_at FROM reservations WHERE document_index = ? ORDER BY pickup_at LIMIT 1",
            (document_index,),
        ).fetchone()
        reservation_seconds.append(time.perf_counter() - started)
        assert row is not None

        started = time.perf_counter()
        row = connection.execute("SELECT pdf, pdf_sha256 FROM contracts WHERE contract_no = ?", (contract_no,)).fetchone()
        contract_seconds.append(time.perf_counter() - started)
        assert len(row[0]) == PDF_BYTES
    connection.close()

    size = sum(file.stat().st_size for file in path.parent.glob(path.name + "*"))
    return Timings(rental_seconds, reservation_seconds, contract_seconds, size)


def pooled(runs: list[Timings]) -> Timings:
    """Join the samples of several runs, with the mean file size."""
    return Timings(
        rentals=[value for run in runs for value in run.rentals],
        reservation_lookups=[value for run in runs for value in run.reservation_lookups],
        contract_lookups=[value for run in runs for value in run.contract_lookups],
        file_bytes=sum(run.file_bytes for run in runs) // len(runs),
        repeats=len(runs),
    )


def milliseconds(values: list[float], quantile: float | None = None) -> float:
    if quantile is None:
        return statistics.median(values) * 1000
    return sorted(values)[min(len(values) - 1, int(len(values) * quantile))] * 1000


def print_table(results: dict[str, Timings], arguments: argparse.Namespace) -> None:
    cipher = results["sqlcipher"]
    names = list(results)
    print(
        f"{arguments.repeats} runs of {arguments.rentals} rentals and {arguments.lookups} lookups of each kind, "
        f"{PDF_BYTES // 1024} KiB PDF per contract"
    )
    print(f"sqlcipher3 {sqlcipher3.sqlite_version} (SQLCipher {cipher_version()}), stdlib sqlite3 {sqlite3.sqlite_version}")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| measure | " + " | ".join(names) + " | SQLCipher ÷ same engine | SQLCipher ÷ stdlib |")
    print("| --- |" + " ---: |" * (len(names) + 2))
    rows = [
        ("rental written, median (ms)", lambda t: milliseconds(t.rentals)),
        ("rental written, p99 (ms)", lambda t: milliseconds(t.rentals, 0.99)),
        ("all rentals written, per run (s)", lambda t: sum(t.rentals) / t.repeats),
        ("whole workload, writes and lookups, per run (s)", lambda t: t.workload_seconds()),
        ("reservation by document index, median (ms)", lambda t: milliseconds(t.reservation_lookups)),
        ("contract PDF by number, median (ms)", lambda t: milliseconds(t.contract_lookups)),
        ("contract PDF by number, p99 (ms)", lambda t: milliseconds(t.contract_lookups, 0.99)),
        ("files on disk (MiB)", lambda t: t.file_bytes / 2**20),
    ]
    for label, measure in rows:
        values = [measure(results[name]) for name in names]
        cells = " | ".join(f"{value:.3f}" for value in values)
        same_engine = values[0] / values[1] if values[1] else float("nan")
        stdlib = values[0] / values[2] if values[2] else float("nan")
        print(f"| {label} | {cells} | {same_engine:.2f}× | {stdlib:.2f}× |")


def cipher_version() -> str:
    connection = sqlcipher3.connect(":memory:")
    try:
        return connection.execute("PRAGMA cipher_version").fetchone()[0]
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rentals", type=int, default=500, help="rentals written to each database (default: %(default)s)")
    parser.add_argument("--lookups", type=int, default=500, help="lookups of each kind (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per database, in alternating order (default: %(default)s)")
    parser.add_argument("--folder", type=Path, help="folder for the databases (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the PDF bytes and lookup order (default: %(default)s)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-", dir=arguments.folder) as folder:
        key = secrets.token_bytes(32)
        variants = {
            "sqlcipher": (open_sqlcipher, key),
            "same engine, no key": (open_sqlcipher, None),
            "stdlib sqlite3": (open_stdlib, None),
        }
        runs: dict[str, list[Timings]] = {name: [] for name in variants}
        for repeat in range(arguments.repeats):
            # Alternate the order, so that no variant always runs on a cold or a warm disk cache.
            order = list(variants) if repeat % 2 == 0 else list(reversed(variants))
            for name in order:
                opener, variant_key = variants[name]
                path = Path(folder) / f"store-{repeat}-{list(variants).index(name)}.db"
                runs[name].append(run_one(opener, variant_key, path, arguments.rentals, arguments.lookups, arguments.seed + repeat))
                print(f"repeat {repeat + 1}: {name} done", file=sys.stderr)
    print_table({name: pooled(timings) for name, timings in runs.items()}, arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
