"""Report periods of the HQ commands: ``--from`` and ``--to`` as people type them.

A bare date (``2026-12-05``) is a whole day in China Standard Time, and ``--to`` with a
bare date includes that day, as ``hq archive search`` reads its dates. A time with an
offset is taken as written, and a time without one is China Standard Time too; ``--to``
with a time is exclusive.
"""

import argparse
from datetime import date, datetime, time, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def add_period(parser: argparse.ArgumentParser, default_days: int) -> None:
    parser.add_argument(
        "--from", dest="since", metavar="DATE", help="first day (YYYY-MM-DD, China Standard Time) or an ISO 8601 time, inclusive "
        f"(default: {default_days} days before --to)",
    )
    parser.add_argument("--to", dest="until", metavar="DATE", help="last day, inclusive, or an ISO 8601 time, exclusive (default: now)")
    parser.set_defaults(period_days=default_days)


def _parse(text: str, end: bool) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if len(text) == 10:
            start = datetime.combine(day, time(), CHINA_STANDARD_TIME)
            return start + timedelta(days=1) if end else start
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from error
    return value if value.tzinfo else value.replace(tzinfo=CHINA_STANDARD_TIME)


def period_bounds(args: argparse.Namespace) -> tuple[datetime, datetime]:
    """Return ``[since, until)`` from ``--from`` and ``--to``; raises ``argparse.ArgumentTypeError`` for a reversed period."""
    until = _parse(args.until, end=True) if args.until else datetime.now(timezone.utc)
    since = _parse(args.since, end=False) if args.since else until - timedelta(days=args.period_days)
    if since >= until:
        raise argparse.ArgumentTypeError(f"--from {args.since} is not before --to {args.until}")
    return since, until
