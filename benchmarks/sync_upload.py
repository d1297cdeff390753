"""Time one sync run that uploads a backlog of 10,000 events from a branch store to HQ on PostgreSQL.

Usage: python benchmarks/sync_upload.py [--events N] [--contracts C] [--faces DIR]

Provisions a demo branch in a temporary folder (its SQLCipher store, keys and
certificates) and runs one demo session, which seals a real contract PDF of about
89 KiB. The store then gets C further rentals, each written as the kiosk writes one:
``RentalStore.record_verification`` and ``RentalStore.save_signed_contract`` queue a
``verification.recorded`` and a ``contract.signed`` event, and the PDF sits in the
contracts table, from which the sync adapter attaches it. The rest of the N events are
verifications without a contract (a refusal or an abandoned session). Only the
generation turns ``synchronous`` off.

HQ is ``countersign hq serve`` on a PostgreSQL 15 server started in the temporary
folder (``fsync`` on), reached over mutual TLS on 127.0.0.1. The timed step is one
``SyncAgent.run_once``, as ``countersign sync now`` runs it: batches of up to 500
events or 8 MiB, each marked sent in the store once HQ accepted it. Prints a Markdown
table.
"""

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from hq_bench_support import REPOSITORY, PostgresServer, describe_machine, start_hq

from archive_verify import sign_one_contract
from countersign.config import load_config
from countersign.demo_branch import provision_demo_branch
from countersign.sync_link import build_agent
from devices.signature_pad import SimulatedSignaturePad
from hq.database import connect
from kiosk.store.evidence import ContractReading
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from tests.hq_fixtures import link_branch

CONTRACTS_PER_DAY = 100


def fill_store(home: Path, session, branch_id: str, events: int, contracts: int) -> int:
    """Queue ``contracts`` rentals (two events each) and verifications up to ``events`` events in all; return the events queued.

    The demo session's two events are counted in ``events``.
    """
    config = load_config(home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    database = keyed.database
    database.connection.execute("PRAGMA synchronous = OFF")
    store = RentalStore(database, keyed.biometrics)
    strokes = SimulatedSignaturePad().capture().to_json()
    reading = ContractReading(60.0, {clause: 5.0 + index for index, clause in enumerate(session.clauses_to_acknowledge)})
    first_day = session.services.clock().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    verifications = events - 2 - 2 * contracts
    if verifications < 0:
        raise ValueError(f"{contracts} contracts make {2 * contracts + 2} events, more than {events}")
    try:
        # Verifications without a contract go between the rentals, so batches mix both kinds.
        every = (contracts + verifications) / max(1, verifications)
        next_verification = 0.0
        queued = 2
        for index in range(contracts + verifications):
            day, minute = divmod(index, CONTRACTS_PER_DAY * 4)
            at = first_day + timedelta(days=day, minutes=minute)
            reservation = replace(session.reservation, reservation_no=f"B{index:06d}")
            verification_id = f"bench-{index:06d}"
            if index >= next_verification and verifications > 0:
                store.record_verification(verification_id, f"s{index}", branch_id, session.identity, None, session.verification, at)
                next_verification += every
                verifications -= 1
                queued += 1
                continue
            store.put_reservation(reservation)
            store.record_verification(verification_id, f"s{index}", branch_id, session.identity, reservation, session.verification, at)
            store.save_signed_contract(
                branch_id,
                verification_id,
                session.identity,
                reservation,
                replace(session.draft, contract_number=f"{branch_id}-{at:%Y%m%d}-{index:06d}"),
                session.acknowledgements,
                strokes,
                session.signed.pdf,
                session.services.sealer.signer_subject,
                at,
                reading=reading,
            )
            queued += 2
    finally:
        database.close()
    return queued


def run_sync(home: Path):
    """Run one sync as ``countersign sync now`` does and return its report and the wall seconds."""
    config = load_config(home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        agent, adapter = build_agent(config, RentalStore(keyed.database, keyed.biometrics))
        agent.upload_budget_seconds = 3600
        pending = adapter.count_pending()
        started = time.perf_counter()
        report = agent.run_once()
        seconds = time.perf_counter() - started
    finally:
        keyed.database.close()
    return report, pending, seconds


def count_at_hq(url: str) -> tuple[int, int]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            events = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
            contracts = connection.exec_driver_sql("SELECT count(*) FROM contracts").scalar()
    finally:
        engine.dispose()
    return events, contracts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events in the backlog (default: %(default)s)")
    parser.add_argument("--contracts", type=int, default=1_000, help="rentals with a signed contract among them (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=Path(os.environ.get("COUNTERSIGN_DEMO_FACES", REPOSITORY / "build/fixtures/face_recognition")))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder:
        home = Path(folder) / "branch"
        provision_demo_branch(home, args.faces)
        session, branch_id = sign_one_contract(home)
        started = time.perf_counter()
        queued = fill_store(home, session, branch_id, args.events, args.contracts)
        fill_seconds = time.perf_counter() - started
        store_mib = sum(path.stat().st_size for path in load_config(home).store_path.parent.iterdir()) / 2**20

        postgres = PostgresServer().start()
        server = None
        try:
            database_url = postgres.create_database("hq")
            server, pki = start_hq(Path(folder) / "hq", database_url)
            link_branch(home, pki, server.url)
            report, pending, seconds = run_sync(home)
            stored, archived = count_at_hq(database_url)
        finally:
            if server is not None:
                server.stop()
            postgres.stop()

    contracts = args.contracts + 1  # the demo session's own contract is queued too
    if report.status != "ok" or report.uploaded != queued or stored != queued or archived != contracts:
        print(f"sync {report.status} ({report.detail}): {report.uploaded} uploaded, {stored} events and {archived} contracts at HQ", file=sys.stderr)
        return 1

    pdf_mib = contracts * len(session.signed.pdf) / 2**20
    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} on {describe_machine()}, HQ on PostgreSQL 15.\n")
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| events queued | {pending:,} |")
    print(f"| of which `contract.signed`, each with a {len(session.signed.pdf) / 1024:.0f} KiB PDF | {contracts:,} ({pdf_mib:.0f} MiB of PDF) |")
    print(f"| branch store (SQLCipher, with WAL) | {store_mib:.0f} MiB |")
    print(f"| generation of the store, `synchronous` off | {fill_seconds:.1f} s |")
    print(f"| sync run, upload to HQ (wall time) | {seconds:.1f} s |")
    print(f"| events per second | {pending / seconds:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
