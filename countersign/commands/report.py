"""``countersign report face-coverage``: how many transactions had face verification."""

import argparse
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from countersign.config import load_config
from kiosk.errors import ConfigError
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)

# The rental company's plan asks for face verification in at least this share of transactions.
COVERAGE_TARGET = 0.80


def register(commands, common: argparse.ArgumentParser) -> None:
    report_parser = commands.add_parser("report", parents=[common], help="reports from the branch store")
    reports = report_parser.add_subparsers(dest="report", required=True)
    coverage = reports.add_parser(
        "face-coverage",
        parents=[common],
        help="count transactions by face verification status (passed, failed, not run, waived)",
    )
    coverage.add_argument("--since", help="count verifications from this date or time (ISO 8601, e.g. 2026-12-01)")
    coverage.set_defaults(handler=command_face_coverage)


def command_face_coverage(args: argparse.Namespace) -> int:
    """Print the counts and the rate; exit 0 when the rate meets the target, 1 when it does not."""
    config = load_config(args.home)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(f"--since {args.since!r} is not an ISO 8601 date such as 2026-12-01") from None
        if since.tzinfo is None:
            # A date without an offset means the branch's local time, as its records are.
            since = since.replace(tzinfo=ZoneInfo(config.branch.timezone))

    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        coverage = RentalStore(database).face_coverage(since)
    finally:
        database.close()

    payload = {**coverage.to_json(), "target": COVERAGE_TARGET, "since": since.isoformat() if since else None}
    log.info("face coverage report: %s", payload)
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        rate = "-" if coverage.rate is None else f"{coverage.rate:.1%}"
        print(f"transactions   {coverage.total}")
        print(f"face verified  {coverage.verified} ({rate}; target {COVERAGE_TARGET:.0%})")
        for status, count in payload["by_status"].items():
            print(f"  {status:<12} {count}")
    return 0 if coverage.rate is not None and coverage.rate >= COVERAGE_TARGET else 1
