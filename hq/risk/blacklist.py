"""The blacklist at HQ: entries with reason, source, start and expiry, appeals against them, and their publication.

Each change to an entry raises its ``revision``; :func:`publish_blacklist_changes` ships
every entry whose revision is ahead of the published one, as ``BL-<entry_id>`` with the
document number, or as a removal once the entry was lifted. An entry that only expired
is not removed: branches stop applying it on its expiry date, also offline.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from hq.reference import publish
from hq.risk.tables import risk_appeals, risk_blacklist
from kiosk.identity.id_number import check_character, mask_id_number

log = logging.getLogger(__name__)

LISTED = "listed"
LIFTED = "lifted"
APPEAL_FILED = "filed"
APPEAL_DECISIONS = ("upheld", "lifted")


class BlacklistError(ValueError):
    """A blacklist or appeal change that cannot be made; the message names the entry or appeal."""


@dataclass(frozen=True)
class NewEntry:
    document_number: str
    reason_zh: str
    reason_en: str
    source: str
    starts_on: date
    expires_on: date | None = None

    def check(self) -> None:
        """Raise :class:`BlacklistError` when a field is missing or the dates are in the wrong order."""
        if not self.document_number or len(self.document_number) > 64:
            raise BlacklistError("document_number must be 1 to 64 characters")
        number = self.document_number
        if len(number) == 18 and number[:17].isdigit() and check_character(number[:17]) != number[17]:
            # A mistyped number would list a person who cannot exist and leave the real one free.
            raise BlacklistError(
                f"{mask_id_number(number)} is not a valid document number: its check character should be "
                f"{check_character(number[:17])}, not {number[17]}"
            )
        if not self.reason_zh.strip() or not self.reason_en.strip():
            raise BlacklistError("an entry needs its reason in Chinese and in English")
        if not self.source.strip():
            raise BlacklistError("an entry needs its source")
        if self.expires_on is not None and self.expires_on <= self.starts_on:
            raise BlacklistError(f"expires_on {self.expires_on} must be after starts_on {self.starts_on}")


def entry_item_key(entry_id: int) -> str:
    return f"BL-{entry_id}"


def add_entry(engine: Engine, entry: NewEntry, created_by: str, now: datetime | None = None) -> int:
    """Store a new entry, unpublished; return its id. Raises :class:`BlacklistError`."""
    entry.check()
    at = now or datetime.now(timezone.utc)
    with engine.begin() as connection:
        entry_id = connection.execute(
            insert(risk_blacklist)
            .values(
                document_number=entry.document_number,
                reason_zh=entry.reason_zh,
                reason_en=entry.reason_en,
                source=entry.source,
                starts_on=entry.starts_on,
                expires_on=entry.expires_on,
                state=LISTED,
                created_by=created_by,
                created_at=at,
                revision=1,
                published_revision=0,
            )
            .returning(risk_blacklist.c.entry_id)
        ).scalar_one()
    log.info("blacklist entry %d for %s added by %s", entry_id, mask_id_number(entry.document_number), created_by)
    return entry_id


def file_appeal(engine: Engine, entry_id: int, statement: str, filed_by: str, now: datetime | None = None) -> int:
    """Record an appeal against a listed entry and return its id.

    Raises :class:`BlacklistError` when the entry is unknown or lifted, or has an open appeal.
    """
    at = now or datetime.now(timezone.utc)
    with engine.begin() as connection:
        _listed_entry(connection, entry_id)
        open_appeal = connection.execute(
            select(risk_appeals.c.appeal_id).where(risk_appeals.c.entry_id == entry_id, risk_appeals.c.decision.is_(None))
        ).first()
        if open_appeal is not None:
            raise BlacklistError(f"entry {entry_id} has open appeal {open_appeal.appeal_id}; decide it first")
        appeal_id = connection.execute(
            insert(risk_appeals)
            .values(entry_id=entry_id, statement=statement, filed_by=filed_by, filed_at=at)
            .returning(risk_appeals.c.appeal_id)
        ).scalar_one()
        _touch(connection, entry_id)
    log.info("appeal %d against blacklist entry %d filed by %s", appeal_id, entry_id, filed_by)
    return appeal_id


def decide_appeal(engine: Engine, appeal_id: int, decision: str, note: str, decided_by: str, now: datetime | None = None) -> int:
    """Decide an open appeal: ``upheld`` keeps the entry, ``lifted`` lifts it. Return the entry id.

    Raises :class:`BlacklistError` for an unknown decision, an unknown appeal or one decided already.
    """
    if decision not in APPEAL_DECISIONS:
        raise BlacklistError(f"decision must be one of {', '.join(APPEAL_DECISIONS)}, not {decision!r}")
    at = now or datetime.now(timezone.utc)
    with engine.begin() as connection:
        appeal = connection.execute(select(risk_appeals).where(risk_appeals.c.appeal_id == appeal_id)).first()
        if appeal is None:
            raise BlacklistError(f"appeal {appeal_id} does not exist")
        if appeal.decision is not None:
            raise BlacklistError(f"appeal {appeal_id} was decided already: {appeal.decision} by {appeal.decided_by}")
        connection.execute(
            update(risk_appeals)
            .where(risk_appeals.c.appeal_id == appeal_id)
            .values(decision=decision, decision_note=note, decided_by=decided_by, decided_at=at)
        )
        if decision == LIFTED:
            connection.execute(
                update(risk_blacklist).where(risk_blacklist.c.entry_id == appeal.entry_id).values(state=LIFTED, lifted_by=decided_by, lifted_at=at)
            )
        _touch(connection, appeal.entry_id)
    log.info("appeal %d against blacklist entry %d decided %s by %s", appeal_id, appeal.entry_id, decision, decided_by)
    return appeal.entry_id


def lift_entry(engine: Engine, entry_id: int, lifted_by: str, now: datetime | None = None) -> None:
    """Lift a listed entry without an appeal (listed by mistake, say). Raises :class:`BlacklistError`."""
    at = now or datetime.now(timezone.utc)
    with engine.begin() as connection:
        _listed_entry(connection, entry_id)
        connection.execute(
            update(risk_blacklist).where(risk_blacklist.c.entry_id == entry_id).values(state=LIFTED, lifted_by=lifted_by, lifted_at=at)
        )
        _touch(connection, entry_id)
    log.info("blacklist entry %d lifted by %s", entry_id, lifted_by)


def _listed_entry(connection: Connection, entry_id: int) -> Any:
    row = connection.execute(select(risk_blacklist).where(risk_blacklist.c.entry_id == entry_id)).first()
    if row is None:
        raise BlacklistError(f"blacklist entry {entry_id} does not exist")
    if row.state != LISTED:
        raise BlacklistError(f"blacklist entry {entry_id} was lifted on {row.lifted_at} by {row.lifted_by}")
    return row


def _touch(connection: Connection, entry_id: int) -> None:
    connection.execute(update(risk_blacklist).where(risk_blacklist.c.entry_id == entry_id).values(revision=risk_blacklist.c.revision + 1))


def entry_value(row: Any, appeal: str) -> dict[str, Any]:
    """Return the published value of a listed entry, as the branch's cache reads it."""
    return {
        "document_number": row.document_number,
        "reason": {"zh": row.reason_zh, "en": row.reason_en},
        "source": row.source,
        "starts_on": row.starts_on.isoformat(),
        "expires_on": row.expires_on.isoformat() if row.expires_on else None,
        "appeal": appeal,
    }


def appeal_state(connection: Connection, entry_id: int) -> str:
    """Return the state of the newest appeal against an entry: "", "filed", "upheld" or "lifted"."""
    row = connection.execute(
        select(risk_appeals.c.decision).where(risk_appeals.c.entry_id == entry_id).order_by(risk_appeals.c.appeal_id.desc()).limit(1)
    ).first()
    if row is None:
        return ""
    return row.decision or APPEAL_FILED


def publish_blacklist_changes(engine: Engine, now: datetime | None = None) -> int:
    """Publish every entry changed since its last publication; return how many items were published.

    A listed entry is published with its newest appeal state and a lifted one as a
    removal. An entry changed again while this runs stays unpublished for the next run.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            select(risk_blacklist).where(risk_blacklist.c.revision > risk_blacklist.c.published_revision).order_by(risk_blacklist.c.entry_id)
        ).all()
        changes = [
            (entry_item_key(row.entry_id), entry_value(row, appeal_state(connection, row.entry_id)) if row.state == LISTED else None)
            for row in rows
        ]
    if not changes:
        return 0
    publish(engine, "blacklist", changes, now=now)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                update(risk_blacklist)
                .where(risk_blacklist.c.entry_id == row.entry_id, risk_blacklist.c.revision == row.revision)
                .values(published_revision=row.revision)
            )
    removed = sum(1 for _, value in changes if value is None)
    log.info("blacklist: %d entries published, %d of them removals", len(changes), removed)
    return len(changes)


def list_entries(engine: Engine, document_number: str | None = None) -> list[dict[str, Any]]:
    """Return the entries (of one document, when given) with their appeals; numbers are masked."""
    with engine.connect() as connection:
        query = select(risk_blacklist).order_by(risk_blacklist.c.entry_id)
        if document_number is not None:
            query = query.where(risk_blacklist.c.document_number == document_number)
        entries = []
        for row in connection.execute(query).all():
            appeals = connection.execute(select(risk_appeals).where(risk_appeals.c.entry_id == row.entry_id).order_by(risk_appeals.c.appeal_id)).all()
            entries.append(
                {
                    "entry_id": row.entry_id,
                    "key": entry_item_key(row.entry_id),
                    "masked_number": mask_id_number(row.document_number),
                    "reason": {"zh": row.reason_zh, "en": row.reason_en},
                    "source": row.source,
                    "starts_on": row.starts_on.isoformat(),
                    "expires_on": row.expires_on.isoformat() if row.expires_on else None,
                    "state": row.state,
                    "created_by": row.created_by,
                    "lifted_by": row.lifted_by,
                    "published": row.published_revision == row.revision,
                    "appeals": [
                        {
                            "appeal_id": appeal.appeal_id,
                            "statement": appeal.statement,
                            "filed_by": appeal.filed_by,
                            "filed_at": _iso(appeal.filed_at),
                            "decision": appeal.decision,
                            "decision_note": appeal.decision_note,
                            "decided_by": appeal.decided_by,
                            "decided_at": _iso(appeal.decided_at),
                        }
                        for appeal in appeals
                    ],
                }
            )
    return entries


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
