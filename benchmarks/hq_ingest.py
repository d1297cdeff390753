"""Time HQ's event ingest on PostgreSQL: ``ingest_batch`` called directly, and uploads to ``hq serve`` over HTTPS.

Usage: python benchmarks/hq_ingest.py [--events N] [--contract-every K] [--batch N]

Starts a PostgreSQL 15 server in a temporary folder (Debian's binaries, ``fsync`` on, as
the tests start it) and, for each event mix, a fresh database. The mixes are N
verification events of about 1.4 KB, and the same with every K-th event a
``contract.signed`` with its own 90 KiB PDF. Each mix is ingested twice into separate
databases: by ``hq.ingest.ingest_batch`` in this process, and by one client uploading
batches to one ``countersign hq serve`` process over mutual TLS on 127.0.0.1. Both send
batches of ``--batch`` events one after another, and every batch is one transaction
that commits with fsync. Prints a Markdown table of seconds and events per second.
"""

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from hq_bench_support import BRANCH_ID, PostgresServer, describe_machine, start_hq, synthetic_events

from hq.database import connect, migrate
from hq.ingest import Sender, ingest_batch
from sync.client import HqClient
from sync.protocol import MAX_BATCH_EVENTS, Event, Outcome, UploadRequest
from sync.tls import client_context
from tests.hq_fixtures import KIOSK_ID

SENDER = Sender(BRANCH_ID, KIOSK_ID)


def batches(events: list[Event], size: int) -> list[UploadRequest]:
    return [UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=events[start : start + size]) for start in range(0, len(events), size)]


def check_stored(url: str, expected: int) -> None:
    """Raise ``RuntimeError`` unless the database holds exactly ``expected`` events."""
    engine = connect(url)
    try:
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
    finally:
        engine.dispose()
    if stored != expected:
        raise RuntimeError(f"{stored} events stored, {expected} expected")


def ingest_direct(url: str, requests: list[UploadRequest]) -> float:
    """Ingest ``requests`` with ``ingest_batch`` into a migrated database; return the seconds taken."""
    engine = connect(url)
    migrate(engine)
    try:
        started = time.perf_counter()
        for request in requests:
            response = ingest_batch(engine, request, SENDER)
            if any(result.outcome is not Outcome.ACCEPTED or result.repeat for result in response.results):
                raise RuntimeError("an event was not stored as new")
        return time.perf_counter() - started
    finally:
        engine.dispose()


def ingest_http(folder: Path, url: str, requests: list[UploadRequest]) -> float:
    """Upload ``requests`` to a new ``hq serve`` process over ``url``; return the seconds taken by the uploads."""
    server, pki = start_hq(folder, url)
    try:
        context = client_context(pki.ca.certificate, pki.kiosk.certificate, pki.kiosk.private_key)
        with HqClient(server.url, context, timeout=120) as client:
            client.health()  # the TLS handshake and the first connection are not timed
            started = time.perf_counter()
            for request in requests:
                response = client.upload(request)
                if any(result.outcome is not Outcome.ACCEPTED or result.repeat for result in response.results):
                    raise RuntimeError("an event was not stored as new")
            return time.perf_counter() - started
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per mix (default: %(default)s)")
    parser.add_argument("--contract-every", type=int, default=10, help="every K-th event of the second mix is a contract (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=MAX_BATCH_EVENTS, help="events per batch (default: %(default)s)")
    args = parser.parse_args()

    mixes = {
        "verifications only": synthetic_events(args.events),
        f"1 in {args.contract_every} a contract with a 90 KiB PDF": synthetic_events(args.events, args.contract_every),
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder:
        server = PostgresServer().start()
        try:
            for number, (mix, events) in enumerate(mixes.items()):
                requests = batches(events, args.batch)
                direct_url = server.create_database(f"direct_{number}")
                direct = ingest_direct(direct_url, requests)
                check_stored(direct_url, len(events))
                http_url = server.create_database(f"http_{number}")
                http = ingest_http(Path(folder) / f"hq-{number}", http_url, requests)
                check_stored(http_url, len(events))
                rows.append((mix, "ingest_batch in this process", direct, len(events)))
                rows.append((mix, "upload to hq serve over mutual TLS", http, len(events)))
                print(f"{mix}: done", file=sys.stderr)
        finally:
            server.stop()

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} on {describe_machine()}, PostgreSQL 15, batches of {args.batch}.\n")
    print("| events | path | seconds | events/s |")
    print("| --- | --- | ---: | ---: |")
    for mix, path, seconds, count in rows:
        print(f"| {count:,} {mix} | {path} | {seconds:.1f} | {count / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
