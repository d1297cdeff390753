"""Run demo rentals on an existing branch until killed, reporting each saved contract.

The crash-safety test starts this script in its own process and kills it with SIGKILL
at random moments. Each rental goes through the real code path: ``BranchRuntime``, a
reservation from ``seed_demo_reservation``, and ``drive_session`` with a simulated
signature pad. As soon as ``RentalStore.save_signed_contract`` returns, the contract
number is appended to the report file and flushed to disk with ``fsync``. A number in
that file is therefore a contract that the store returned to its caller as saved.

Usage: ``python tests/crash_worker.py BRANCH_HOME REPORT_FILE``. The script writes
``ready`` on stdout once the runtime has started, then one ``signed <number>`` line per
contract. It provisions nothing: the branch must exist already.
"""

import logging
import os
import sys
from pathlib import Path

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.session import Stage
from kiosk.store.rentals import RentalStore, StoredContract


def append_report(report_file: Path, contract_no: str) -> None:
    """Append ``contract_no`` and a newline to the report file in one write, then fsync it."""
    descriptor = os.open(report_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{contract_no}\n".encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def report_saved_contracts(store: RentalStore, report_file: Path) -> None:
    """Make ``store.save_signed_contract`` append each contract number it returns to ``report_file``.

    The real method runs unchanged and the report is written after it returns. A kill
    between its commit and the report therefore leaves a saved contract that was never reported.
    """
    save = store.save_signed_contract

    def save_and_report(*args, **kwargs) -> StoredContract:
        stored = save(*args, **kwargs)
        append_report(report_file, stored.contract_no)
        return stored

    store.save_signed_contract = save_and_report  # type: ignore[method-assign]


def run_rentals(home: Path, report_file: Path) -> None:
    """Sign demo rentals one after another until the process is killed."""
    with BranchRuntime(load_config(home)) as runtime:
        store = runtime.services.store
        report_saved_contracts(store, report_file)
        print("ready", flush=True)

        while True:
            seed_demo_reservation(store, runtime.clock())
            session = runtime.new_session()
            drive_session(session, SimulatedSignaturePad())
            if session.stage is not Stage.DONE:
                raise RuntimeError(f"demo session ended at {session.stage.value}: {session.records[-1]}")
            print(f"signed {session.signed.contract_no}", flush=True)


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        print("usage: crash_worker.py BRANCH_HOME REPORT_FILE", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_rentals(Path(arguments[0]), Path(arguments[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
