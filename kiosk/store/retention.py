"""Retention rules for personal data in the store, and the purge that applies them.

Each rule deletes what has outlived its period in one transaction and logs how many rows
it removed. Signed contracts, their verifications and their customers are never purged
here: the contract archive keeps them for as long as the law requires.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of personal data is kept, in days.

    ``face_template_days``: face templates kept for the duplicate-identity search.
    ``unsigned_session_days``: verifications that never led to a signed contract
    (declined consent, refused, clerk review, abandoned), and customers left with no
    verification or contract. ``sent_event_days``: outbox events after headquarters
    acknowledged them. Every period must be at least one day.
    """

    face_template_days: int = 180
    unsigned_session_days: int = 30
    sent_event_days: int = 30

    def __post_init__(self) -> None:
        for name in ("face_template_days", "unsigned_session_days", "sent_event_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"retention period {name} must be a whole number of days, at least 1, not {value!r}")


@dataclass(frozen=True)
class PurgeReport:
    """Rows deleted by each rule, and the rules that failed (their error, logged)."""

    deleted: dict[str, int]
    failed: dict[str, str]


def _cutoff(now: datetime, days: int) -> str:
    if now.tzinfo is None:
        raise ValueError("purge needs an aware time, not a naive one")
    return (now - timedelta(days=days)).isoformat()


def _purge_face_templates(connection, now: datetime, policy: RetentionPolicy) -> int:
    cutoff = _cutoff(now, policy.face_template_days)
    return connection.execute(
        "DELETE FROM face_templates WHERE julianday(created_at) < julianday(?)", (cutoff,)
    ).rowcount


def _purge_unsigned_sessions(connection, now: datetime, policy: RetentionPolicy) -> int:
    """Delete old verifications without a contract, their templates, then customers left with nothing."""
    cutoff = _cutoff(now, policy.unsigned_session_days)
    old_unsigned = (
        "SELECT verification_id FROM verifications WHERE julianday(created_at) < julianday(?) "
        "AND verification_id NOT IN (SELECT verification_id FROM contracts)"
    )
    connection.execute(f"DELETE FROM face_templates WHERE verification_id IN ({old_unsigned})", (cutoff,))
    verifications = connection.execute(f"DELETE FROM verifications WHERE verification_id IN ({old_unsigned})", (cutoff,)).rowcount

    customers = connection.execute(
        "DELETE FROM customers WHERE julianday(last_seen_at) < julianday(?) "
        "AND customer_id NOT IN (SELECT customer_id FROM contracts) "
        "AND customer_id NOT IN (SELECT customer_id FROM verifications WHERE customer_id IS NOT NULL) "
        "AND customer_id NOT IN (SELECT customer_id FROM face_templates)",
        (cutoff,),
    ).rowcount
    return verifications + customers


def _purge_sent_events(connection, now: datetime, policy: RetentionPolicy) -> int:
    cutoff = _cutoff(now, policy.sent_event_days)
    return connection.execute(
        "DELETE FROM outbox WHERE sent_at IS NOT NULL AND julianday(sent_at) < julianday(?)", (cutoff,)
    ).rowcount


RULES = {
    "face_templates": _purge_face_templates,
    "unsigned_sessions": _purge_unsigned_sessions,
    "sent_events": _purge_sent_events,
}


def purge(database: Database, policy: RetentionPolicy, now: datetime) -> PurgeReport:
    """Apply every rule at ``now`` (aware), each in its own transaction, on the caller's thread.

    A rule that fails is rolled back, logged with its error and reported in
    :attr:`PurgeReport.failed`; the other rules still run.
    """
    deleted: dict[str, int] = {}
    failed: dict[str, str] = {}
    for name, rule in RULES.items():
        try:
            with database.transaction() as connection:
                deleted[name] = rule(connection, now, policy)
        except Exception as error:
            log.error("retention rule %s failed and was rolled back: %s: %s", name, type(error).__name__, error)
            failed[name] = f"{type(error).__name__}: {error}"
            continue
        log.info("retention rule %s deleted %d rows", name, deleted[name])
    return PurgeReport(deleted, failed)


def purge_store(path: Path, key: bytes, policy: RetentionPolicy, now: datetime) -> PurgeReport:
    """Open a connection of its own to the store at ``path``, purge and close it.

    The kiosk's connection belongs to its store thread, so a scheduler thread uses its
    own connection; SQLCipher's busy timeout lets the two take turns at writing.
    """
    database = Database.open(path, key)
    try:
        return purge(database, policy, now)
    finally:
        database.close()
