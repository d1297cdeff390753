"""Time a branch's first pull of a 1,000,000-entry blacklist from HQ on PostgreSQL.

Usage: python benchmarks/blacklist_pull.py [--entries N] [--faces DIR]

Starts a PostgreSQL 15 server in a temporary folder (``fsync`` on) and publishes N
blacklist entries with ``hq.reference.publish``, 50,000 to a transaction. Each entry
carries a synthetic 18-character resident ID number with a valid check character, a
reason and a listing time. Then ``countersign hq serve`` serves that database over
mutual TLS on 127.0.0.1, and a freshly provisioned demo branch runs
``countersign sync now`` in a child process. The child pulls every page of 5,000
changes and stores each entry under the branch's keyed hash with a masked number, in
its SQLCipher store. Prints a Markdown table with the wall time and peak resident
memory of the child, read from ``wait4``, and the store's size.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from hq_bench_support import REPOSITORY, PostgresServer, describe_machine, start_hq

from countersign.config import load_config
from countersign.demo_branch import provision_demo_branch
from hmac_lookup import document_number
from hq.database import connect, migrate
from hq.reference import publish
from tests.hq_fixtures import link_branch

PUBLISH_CHUNK = 50_000


def publish_blacklist(url: str, entries: int) -> float:
    """Publish ``entries`` blacklist entries at HQ; return the seconds taken."""
    engine = connect(url)
    migrate(engine)
    try:
        started = time.perf_counter()
        for start in range(0, entries, PUBLISH_CHUNK):
            changes = [
                (f"BL-{serial:07d}", {"document_number": document_number(serial), "reason": "unpaid damage", "listed_at": "2026-12-01T09:00:00+08:00"})
                for serial in range(start, min(entries, start + PUBLISH_CHUNK))
            ]
            publish(engine, "blacklist", changes)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def pull_in_child(home: Path) -> tuple[dict, float, int]:
    """Run ``countersign sync now --json`` for the branch; return its report, wall seconds and peak RSS in KiB."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "countersign", "--home", str(home), "--json", "sync", "now"],
            stdout=output,
            stderr=subprocess.DEVNULL,
            cwd=REPOSITORY,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"sync now exited with {os.waitstatus_to_exitcode(status)}: {text[-2000:]}")
    return json.loads(text), seconds, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="blacklist entries to publish and pull (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=Path(os.environ.get("COUNTERSIGN_DEMO_FACES", REPOSITORY / "build/fixtures/face_recognition")))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder:
        home = Path(folder) / "branch"
        provision_demo_branch(home, args.faces)
        store_path = load_config(home).store_path
        empty_mib = sum(path.stat().st_size for path in store_path.parent.iterdir()) / 2**20

        postgres = PostgresServer().start()
        server = None
        try:
            database_url = postgres.create_database("hq")
            publish_seconds = publish_blacklist(database_url, args.entries)
            server, pki = start_hq(Path(folder) / "hq", database_url)
            link_branch(home, pki, server.url)
            report, pull_seconds, peak_kib = pull_in_child(home)
        finally:
            if server is not None:
                server.stop()
            postgres.stop()
        store_mib = sum(path.stat().st_size for path in store_path.parent.iterdir()) / 2**20

    if report["status"] != "ok" or report["pulled"] != args.entries:
        print(f"sync {report['status']} ({report['detail']}): {report['pulled']} of {args.entries} pulled", file=sys.stderr)
        return 1

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} on {describe_machine()}, HQ on PostgreSQL 15.\n")
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| blacklist entries | {args.entries:,} |")
    print(f"| publish at HQ, {PUBLISH_CHUNK:,} to a transaction | {publish_seconds:.1f} s |")
    print(f"| `countersign sync now`, wall time of the child process | {pull_seconds:.1f} s |")
    print(f"| entries per second | {args.entries / pull_seconds:,.0f} |")
    print(f"| peak resident memory of the child | {peak_kib / 1024:.0f} MiB |")
    print(f"| branch store before, after (SQLCipher, with WAL) | {empty_mib:.1f} MiB, {store_mib:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
