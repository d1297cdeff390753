"""Time ``countersign archive verify`` on a branch store of many sealed contracts.

Usage: python benchmarks/archive_verify.py [--contracts N] [--faces DIR] [--keep DIR]

Provisions a demo branch in a temporary folder and runs one whole demo session, which
renders and seals a real contract PDF. That PDF, its signature strokes and its
verification are then stored N times, under N contract numbers (100 a day), through
``RentalStore.save_signed_contract``, so every contract gets its own evidence record
and the chain is N links long. Only the generation turns off ``synchronous`` on its
connection, which skips an fsync per contract. The verification runs the real command
in a child process with the store's usual settings. Prints a Markdown table of the
times, the child's peak resident memory and the machine.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from machine import describe_machine  # noqa: E402

from countersign.config import load_config  # noqa: E402
from countersign.demo_branch import provision_demo_branch, seed_demo_reservation  # noqa: E402
from countersign.headless import drive_session  # noqa: E402
from countersign.runtime import BranchRuntime  # noqa: E402
from devices.signature_pad import SimulatedSignaturePad  # noqa: E402
from kiosk.session import Stage  # noqa: E402
from kiosk.store.evidence import ContractReading  # noqa: E402
from kiosk.store.key_sources.rotation import open_keyed_store  # noqa: E402
from kiosk.store.rentals import RentalStore  # noqa: E402

CONTRACTS_PER_DAY = 100


def sign_one_contract(home: Path):
    """Run one demo session and return it, signed, with its branch id."""
    with BranchRuntime(load_config(home)) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        if session.stage is not Stage.DONE:
            raise RuntimeError(f"the demo session ended in {session.stage.value}: {session.records[-1].reason.en}")
        return session, runtime.config.branch.branch_id


def fill_store(home: Path, session, branch_id: str, count: int) -> None:
    """Store ``count`` copies of the session's contract, each with its reservation, verification and evidence."""
    config = load_config(home)
    database = open_keyed_store(config.store_path, config.store_key).database
    database.connection.execute("PRAGMA synchronous = OFF")
    store = RentalStore(database)
    strokes = SimulatedSignaturePad().capture().to_json()
    ticks = {clause: 5.0 + index for index, clause in enumerate(session.clauses_to_acknowledge)}
    reading = ContractReading(60.0, ticks)
    first_day = session.services.clock().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    try:
        for index in range(count):
            day, number = divmod(index, CONTRACTS_PER_DAY)
            signed_at = first_day + timedelta(days=day, minutes=number)
            contract_no = f"{branch_id}-{signed_at:%Y%m%d}-{number + 1:04d}"
            reservation = replace(session.reservation, reservation_no=f"B{index:06d}")
            verification_id = f"bench-{index:06d}"
            store.put_reservation(reservation)
            store.record_verification(
                verification_id, f"s{index}", branch_id, session.identity, reservation, session.verification, signed_at
            )
            store.save_signed_contract(
                branch_id,
                verification_id,
                session.identity,
                reservation,
                replace(session.draft, contract_number=contract_no),
                session.acknowledgements,
                strokes,
                session.signed.pdf,
                session.services.sealer.signer_subject,
                signed_at,
                reading=reading,
            )
    finally:
        database.close()


def run_verify(home: Path, output: Path) -> tuple[int, float, int]:
    """Run ``archive verify --json`` as a child; return its exit status, wall seconds and peak RSS in KiB."""
    started = time.perf_counter()
    with output.open("w") as stdout:
        child = subprocess.Popen(
            [sys.executable, "-m", "countersign", "archive", "verify", "--json", "--home", str(home)],
            stdout=stdout,
            cwd=REPOSITORY,
        )
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000, help="contracts to store and verify (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=Path(os.environ.get("COUNTERSIGN_DEMO_FACES", REPOSITORY / "build/fixtures/face_recognition")))
    parser.add_argument("--keep", type=Path, help="build the branch in this new folder and keep it (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder:
        home = args.keep or Path(folder) / "branch"
        provision_demo_branch(home, args.faces)
        session, branch_id = sign_one_contract(home)

        started = time.perf_counter()
        fill_store(home, session, branch_id, args.contracts)
        fill_seconds = time.perf_counter() - started

        store_path = load_config(home).store_path
        store_mib = sum(path.stat().st_size for path in store_path.parent.iterdir()) / 2**20
        output = Path(folder) / "verify.json"
        status, verify_seconds, peak_kib = run_verify(home, output)
        report = json.loads(output.read_text())

    total = args.contracts + 1  # the demo session's own contract is in the chain too
    if status != 0 or report["contracts"] != total:
        print(f"archive verify exited {status} with {report['contracts']} contracts and problems {report['problems'][:5]}", file=sys.stderr)
        return 1

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} on {describe_machine()}.\n")
    print("| step | value |")
    print("| --- | ---: |")
    print(f"| contracts in the chain | {total} |")
    print(f"| sealed PDF, reused for every contract | {len(session.signed.pdf) / 1024:.0f} KiB |")
    print(f"| store size (SQLCipher, with WAL) | {store_mib:.0f} MiB |")
    print(f"| generation (save_signed_contract, synchronous off) | {fill_seconds:.1f} s |")
    print(f"| archive verify, wall time (child process) | {verify_seconds:.1f} s |")
    print(f"| archive verify, per contract | {verify_seconds / total * 1000:.1f} ms |")
    print(f"| archive verify, peak resident memory | {peak_kib / 1024:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
