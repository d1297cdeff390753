"""Time one session's risk evaluation at a branch whose cache contains 1,000,000 blacklist entries and 100,000 credit scores.

Usage: python benchmarks/risk_branch.py [--blacklist N] [--scores N] [--sessions N] [--folder DIR]

Creates a SQLCipher store with the branch's migrations and fills ``reference_items``
through ``StoreSyncAdapter.apply_reference_changes``, 100,000 changes per transaction,
as a sync pull applies them: each document number is replaced by its keyed hash and a
masked form. Blacklist entries are serials 0 … N-1 of synthetic resident ID numbers.
Credit scores, each a real ``score_history`` result with its history, are the serials
from N/2 upwards, so some customers have both. The store is closed and opened again.

One session's evaluation is timed as the session runs it: the risk configuration, the
keyed hash of the number, every ``RiskCache`` lookup for that document (blacklist,
score, completed rentals, visits, national ID rejections, identities sharing the
phone) and ``decide()``. Half the sessions are listed, half are not; the script checks
that exactly the listed half is refused for the blacklist.
"""

import argparse
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from benchmarks.hmac_lookup import MAX_ENTRIES, document_number  # noqa: E402
from kiosk.identity.id_number import mask_id_number  # noqa: E402
from kiosk.risk.config import load_default_config  # noqa: E402
from kiosk.risk.decision import decide  # noqa: E402
from kiosk.risk.rules import RiskInputs  # noqa: E402
from kiosk.risk.scorecard import RentalHistory, score_history  # noqa: E402
from kiosk.store.database import Database  # noqa: E402
from kiosk.store.rentals import RentalStore  # noqa: E402
from kiosk.store.risk_cache import RiskCache  # noqa: E402
from kiosk.store.sync_store import StoreSyncAdapter  # noqa: E402
from sync.protocol import ReferenceChange  # noqa: E402

TRANSACTION = 100_000  # changes per apply_reference_changes call, one transaction each
FIRST_SESSIONS = 100
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def blacklist_value(serial: int) -> dict:
    return {
        "document_number": document_number(serial),
        "reason": {"zh": "未付车损费用", "en": "unpaid damage"},
        "source": "HQ",
        "starts_on": "2026-01-01",
        # A tenth of the entries expired before NOW; they stay cached and must not apply.
        "expires_on": "2026-06-01" if serial % 10 == 0 else None,
        "appeal": "",
    }


def score_value(serial: int, config) -> dict:
    history = RentalHistory(
        completed_rentals=serial % 30, late_returns=serial % 4, damage_incidents=serial % 7 // 6, tenure_months=serial % 60
    )
    return {"document_number": document_number(serial), "score": score_history(history, config).to_json(), "history": history.to_json()}


def fill(adapter: StoreSyncAdapter, dataset: str, serials: range, value_of) -> float:
    started = time.perf_counter()
    cursor = 0
    for start in range(serials.start, serials.stop, TRANSACTION):
        changes = []
        for serial in range(start, min(serials.stop, start + TRANSACTION)):
            cursor += 1
            changes.append(ReferenceChange(key=f"{dataset}-{serial}", cursor=cursor, value=value_of(serial)))
        adapter.apply_reference_changes(dataset, changes, cursor)
    return time.perf_counter() - started


def evaluate_session(cache: RiskCache, store: RentalStore, number: str, transaction_id: str):
    """Run one session's risk step: every cache lookup for ``number``, then the decision."""
    config = cache.config()
    index = store.document_index(number)
    inputs = RiskInputs(
        now=NOW,
        branch_id="BJ-CY01",
        masked_number=mask_id_number(number),
        document_valid_to=date(2035, 1, 1),
        licence_valid_to=date(2032, 1, 1),
        licence_in_probation=False,
        pickup_at=NOW,
        return_at=NOW + timedelta(days=3),
        vehicle_price_group="economy",
        completed_rentals=cache.completed_rentals(index),
        blacklist=cache.blacklist(index),
        visits=cache.visits(index),
        phone_identities=cache.phone_identities("13800000000", index),
        national_id_rejections=cache.national_id_rejections(index),
    )
    return decide(transaction_id, inputs, cache.score(index), config)


def describe(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"| {label} | {len(seconds):,} | {statistics.median(seconds) * 1000:.3f} | {p99 * 1000:.3f} | {ordered[-1] * 1000:.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blacklist", type=int, default=1_000_000, help="blacklist entries (default: %(default)s)")
    parser.add_argument("--scores", type=int, default=100_000, help="credit score items (default: %(default)s)")
    parser.add_argument("--sessions", type=int, default=5_000, help="timed sessions (default: %(default)s)")
    parser.add_argument("--folder", type=Path, help="folder for the store (default: a new temporary folder)")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    if not 0 < arguments.blacklist <= MAX_ENTRIES or arguments.blacklist // 2 + arguments.scores > 2 * arguments.blacklist:
        parser.error("--blacklist must be positive and at most half of the synthetic numbers; --scores at most 1.5 × --blacklist")

    config = load_default_config()
    key = secrets.token_bytes(32)
    rng = random.Random(arguments.seed)
    with tempfile.TemporaryDirectory(prefix="countersign-bench-", dir=arguments.folder) as folder:
        path = Path(folder) / "branch.db"
        store = RentalStore(Database.open(path, key, create=True))
        adapter = StoreSyncAdapter(store)
        blacklist_seconds = fill(adapter, "blacklist", range(arguments.blacklist), blacklist_value)
        first_score = arguments.blacklist // 2
        scores_seconds = fill(adapter, "credit_scores", range(first_score, first_score + arguments.scores), lambda serial: score_value(serial, config))
        store.database.close()
        size = sum(file.stat().st_size for file in Path(folder).iterdir())

        store = RentalStore(Database.open(path, key))
        cache = RiskCache(store)
        seconds = []
        refused = wrongly_refused = with_score = 0
        for session in range(arguments.sessions):
            listed = session % 2 == 0
            serial = rng.randrange(arguments.blacklist) if listed else arguments.blacklist + rng.randrange(arguments.blacklist)
            started = time.perf_counter()
            record = evaluate_session(cache, store, document_number(serial), f"V-{session}")
            seconds.append(time.perf_counter() - started)
            by_blacklist = any(warning.rule == "blacklist" for warning in record.warnings)
            expected = listed and serial % 10 != 0
            refused += by_blacklist and expected
            wrongly_refused += by_blacklist != expected
            with_score += record.score is not None
        store.database.close()

    if wrongly_refused:
        print(f"error: {wrongly_refused} sessions had a blacklist warning that does not match the cached entries", file=sys.stderr)
        return 1
    print(f"{arguments.blacklist:,} blacklist items applied in {blacklist_seconds:.1f} s, {arguments.scores:,} credit scores in {scores_seconds:.1f} s, {size / 2**20:.0f} MiB on disk")
    print(f"{arguments.sessions:,} sessions: {refused:,} refused for the blacklist, {with_score:,} with a cached score")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| one session's risk evaluation | count | median (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(describe(f"first {FIRST_SESSIONS} after opening", seconds[:FIRST_SESSIONS]))
    print(describe("all", seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
