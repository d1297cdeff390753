"""Time HQ's recomputation of 1,000,000 credit scores, on SQLite and on PostgreSQL, with peak memory.

Usage: python benchmarks/risk_recompute.py [--customers N] [--folder DIR] [--no-postgres]

For each database: imports N synthetic rental histories with ``import_histories``, then
runs ``recompute_scores`` twice, each in a child process so that its peak resident
memory (``ru_maxrss``) is its own:

1. first run: every score is new, so all N are published to ``credit_scores``, as after
   a new configuration version, which changes every published value;
2. same configuration again: every score is computed, none changed, nothing published.

PostgreSQL is the test run's server class (``tests/pg_fixtures.py``), Debian's
PostgreSQL 15 in a temporary folder with fsync on; ``--no-postgres`` skips it.
"""

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from benchmarks.hmac_lookup import MAX_ENTRIES, document_number  # noqa: E402
from hq.database import connect, migrate  # noqa: E402
from hq.risk.scores import import_histories, recompute_scores  # noqa: E402
from kiosk.risk.config import RiskConfig, load_default_config  # noqa: E402
from kiosk.risk.scorecard import RentalHistory  # noqa: E402


def histories(count: int):
    for serial in range(count):
        yield document_number(serial), RentalHistory(
            completed_rentals=serial % 30,
            late_returns=serial % 4,
            damage_incidents=serial % 7 // 6,
            unpaid_fen=5000 if serial % 50 == 0 else 0,
            disputes=serial % 11 // 10,
            tenure_months=serial % 60,
        )


def _recompute_child(url: str, config_json: dict, results) -> None:
    engine = connect(url)
    started = time.perf_counter()
    result = recompute_scores(engine, RiskConfig.from_json(config_json))
    seconds = time.perf_counter() - started
    results.put((seconds, result.scored, result.published, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def recompute_in_child(url: str, config: RiskConfig) -> tuple[float, int, int, float]:
    """Return the seconds, scored, published and peak RSS (MiB) of one recompute in a fresh process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_recompute_child, args=(url, config.to_json(), results))
    child.start()
    outcome = results.get()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"the recompute process exited with {child.exitcode}")
    return outcome


def measure(label: str, url: str, customers: int) -> list[str]:
    engine = connect(url)
    migrate(engine)
    started = time.perf_counter()
    import_histories(engine, histories(customers))
    import_seconds = time.perf_counter() - started
    engine.dispose()

    config = load_default_config()
    rows = [f"| {label} | import of {customers:,} histories | {import_seconds:.1f} | {customers / import_seconds:,.0f} | — |"]
    for run in ("first run, all published", "same configuration, nothing changed"):
        seconds, scored, published, peak = recompute_in_child(url, config)
        rows.append(f"| {label} | {run} ({published:,} published) | {seconds:.1f} | {scored / seconds:,.0f} | {peak:.0f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="rental histories (default: %(default)s)")
    parser.add_argument("--folder", type=Path, help="folder for the SQLite database (default: a new temporary folder)")
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    arguments = parser.parse_args()
    if not 0 < arguments.customers <= MAX_ENTRIES:
        parser.error(f"--customers must be between 1 and {MAX_ENTRIES:,}")

    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="countersign-bench-", dir=arguments.folder) as folder:
        rows += measure("SQLite", f"sqlite:///{Path(folder) / 'hq.db'}", arguments.customers)

    if not arguments.no_postgres:
        from tests.pg_fixtures import PostgresServer

        server = PostgresServer().start()
        try:
            rows += measure("PostgreSQL 15", server.url(), arguments.customers)
        finally:
            server.stop()

    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| database | step | seconds | histories per second | peak RSS of the step (MiB) |")
    print("| --- | --- | ---: | ---: | ---: |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
