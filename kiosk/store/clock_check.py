"""Whether the wall clock can be trusted to date a contract.

A contract's date and the order of the evidence chain rely on the clock. The clock is
implausible when it reads earlier than this release was built, or earlier than the
newest time already written to the store (a verification, contract or outbox event),
beyond a small allowance for a time-sync correction.
"""

import logging
from datetime import UTC, datetime, timedelta

from kiosk.errors import CounterSignError
from kiosk.messages import Message
from kiosk.store.database import Database

log = logging.getLogger(__name__)

# No build of this release existed before this day, so a clock reading earlier is wrong.
# NOTE: set by hand; it should move forward with each release.
EARLIEST_PLAUSIBLE = datetime(2026, 12, 1, tzinfo=UTC)

# An NTP step correction can set the clock back a little; more than this is a fault.
BACKWARD_ALLOWANCE = timedelta(minutes=2)

# Julian day number of 1970-01-01T00:00:00Z, as SQLite's julianday() counts.
_UNIX_EPOCH_JULIAN_DAY = 2440587.5


class ClockImplausible(CounterSignError):
    message = Message(
        "本机时钟异常，暂时无法签署合同。请联系工作人员校准时间后再办理。",
        "This kiosk's clock is wrong, so contracts cannot be signed for now. "
        "Please ask a member of staff to correct the time.",
    )


def latest_recorded_at(database: Database) -> datetime | None:
    """Return the newest time in verifications, contracts and the outbox (UTC), or ``None`` in an empty store."""
    row = database.connection.execute(
        "SELECT max(day) FROM ("
        " SELECT max(julianday(created_at)) AS day FROM verifications"
        " UNION ALL SELECT max(julianday(signed_at)) FROM contracts"
        " UNION ALL SELECT max(julianday(created_at)) FROM outbox)"
    ).fetchone()
    if row is None or row[0] is None:
        return None
    seconds = (row[0] - _UNIX_EPOCH_JULIAN_DAY) * 86400
    return datetime.fromtimestamp(seconds, UTC)


def check_clock(database: Database, now: datetime) -> None:
    """Raise :class:`ClockImplausible` when ``now`` (aware) is too early to be true, with the reason in its detail."""
    if now < EARLIEST_PLAUSIBLE:
        raise ClockImplausible(f"clock reads {now.isoformat()}, before this release's earliest date {EARLIEST_PLAUSIBLE.date()}")
    latest = latest_recorded_at(database)
    if latest is not None and now < latest - BACKWARD_ALLOWANCE:
        raise ClockImplausible(f"clock reads {now.isoformat()}, earlier than the newest stored record at {latest.isoformat()}")
