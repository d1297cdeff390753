"""Time the start-up integrity checks of the store on a store of about 1 GB.

Usage: python benchmarks/store_integrity.py [--size-mb N] [--runs N] [--keep DIR]

Builds a SQLCipher 4 store at the latest schema in a temporary folder, with customers,
verifications and contracts whose PDF is 150 KB of random bytes, until the file reaches
the requested size. A sealed PDF is compressed, so random bytes stand for it fairly. Then it opens the store as the kiosk does, N times, timing each check on its
own and the whole open with both checks (``open_at_start``). The build turns off
``synchronous`` to save an fsync per transaction; the timed opens use the store's
usual settings. Prints a Markdown table and the machine.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from kiosk.store.database import Database  # noqa: E402
from kiosk.store.keys import create_key_file  # noqa: E402
from kiosk.store.quarantine import open_at_start  # noqa: E402

PDF_BYTES = 150 * 1024
BATCH = 200


def build_store(path: Path, key: bytes, size_bytes: int) -> int:
    """Fill a new store at ``path`` up to ``size_bytes`` and return the number of contracts."""
    database = Database.open(path, key, create=True)
    connection = database.connection
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("INSERT INTO vehicles VALUES ('V-0001', '京A·D0001', '丰田卡罗拉', 'Toyota Corolla', 'C2', 'compact')")
    connection.execute("INSERT INTO price_lists VALUES ('2026-12', '{}')")

    contracts = 0
    while path.stat().st_size + os.path.getsize(f"{path}-wal") < size_bytes:
        with database.transaction():
            for _ in range(BATCH):
                number = contracts
                contracts += 1
                customer_id = _insert_contract(connection, number)
                assert customer_id == number + 1
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return contracts


def _insert_contract(connection, number: int) -> int:
    document = f"11010519610804{number:04d}"[-18:]
    cursor = connection.execute(
        "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, address, phone, "
        "first_seen_at, last_seen_at) VALUES ('resident_id', ?, ?, '王建国', '1', '1961-08-04', '北京市朝阳区建国路 88 号', "
        "'13800000000', '2026-12-05T10:00:00+08:00', '2026-12-05T10:00:00+08:00')",
        (f"index-{number:08d}", document),
    )
    customer_id = cursor.lastrowid
    verification_id = f"ver-{number:08d}"
    connection.execute(
        "INSERT INTO verifications (verification_id, session_id, customer_id, reservation_no, decision, checks, created_at) "
        "VALUES (?, ?, ?, ?, 'approved', ?, '2026-12-05T10:00:00+08:00')",
        (verification_id, f"session-{number:08d}", customer_id, f"R-{number:08d}", json.dumps([{"check": "document", "outcome": "pass"}] * 12)),
    )
    connection.execute(
        "INSERT INTO contracts (contract_no, verification_id, customer_id, reservation_no, template_id, template_version, "
        "template_sha256, fields, acknowledgements, signature_strokes, pdf, pdf_sha256, signer_subject, signed_at) "
        "VALUES (?, ?, ?, ?, 'rental', '1', ?, '{}', '[]', ?, ?, ?, 'CN=Demo', '2026-12-05T10:05:00+08:00')",
        (f"BJ-{number:08d}", verification_id, customer_id, f"R-{number:08d}", "0" * 64, "[[0,0],[10,10]]" * 50, os.urandom(PDF_BYTES), "0" * 64),
    )
    return customer_id


def time_pragma(path: Path, key: bytes, pragma: str) -> float:
    """Return the seconds one ``PRAGMA`` takes on a freshly opened store, failing if it reports a problem."""
    database = Database.open(path, key)
    try:
        started = time.perf_counter()
        rows = database.connection.execute(f"PRAGMA {pragma}").fetchall()
        elapsed = time.perf_counter() - started
    finally:
        database.close()
    if rows not in ([], [("ok",)]):
        raise RuntimeError(f"PRAGMA {pragma} reported {rows[:3]}")
    return elapsed


def time_open(path: Path, key: bytes, checked: bool) -> float:
    started = time.perf_counter()
    database = open_at_start(path, key) if checked else Database.open(path, key)
    elapsed = time.perf_counter() - started
    database.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="store size to build, in MiB (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="timed opens of each kind (default: %(default)s)")
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it, instead of a temporary one")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        key = create_key_file(folder / "keys" / "store.key")
        path = folder / "store" / "countersign.db"
        started = time.perf_counter()
        contracts = build_store(path, key, args.size_mb * 1024 * 1024)
        build_seconds = time.perf_counter() - started
        size_mb = path.stat().st_size / 1024 / 1024

        timings: dict[str, list[float]] = {
            "open without checks": [],
            "PRAGMA cipher_integrity_check": [],
            "PRAGMA integrity_check": [],
            "PRAGMA quick_check": [],
            "open_at_start (cipher_integrity_check + integrity_check)": [],
        }
        for _ in range(args.runs):
            timings["open without checks"].append(time_open(path, key, checked=False))
            for pragma in ("cipher_integrity_check", "integrity_check", "quick_check"):
                timings[f"PRAGMA {pragma}"].append(time_pragma(path, key, pragma))
            timings["open_at_start (cipher_integrity_check + integrity_check)"].append(time_open(path, key, checked=True))

    print(f"Store: {size_mb:.0f} MiB, {contracts} contracts of {PDF_BYTES // 1024} KiB, built in {build_seconds:.0f} s")
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print()
    print("| step | median s | max s |")
    print("| --- | ---: | ---: |")
    for name, values in timings.items():
        print(f"| {name} | {statistics.median(values):.2f} | {max(values):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
