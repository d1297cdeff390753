"""The activity feed: where each document was used lately, published to every branch.

A branch cannot see another branch's customers, so the risk rule "the same document at
several branches within hours" reads this feed. Each ``verification.recorded`` event
that carries the ``subject`` attachment adds a visit; the feed item keeps the visits
of the last :data:`KEEP_HOURS` and is published in the ingest transaction.
"""

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from hq.reference import publish_in
from hq.schema import activity_subjects, reference_items

# Visits older than this are dropped from a person's item; the rule's window is shorter.
KEEP_HOURS = 48

# Numbers per IN (...) query, well under SQLite's limit of bound parameters.
_CHUNK = 500


def _item_keys(connection: Connection, numbers: list[str]) -> dict[str, str]:
    """Return the item key of each number, creating the missing ones; one query per batch, not per event."""
    keys: dict[str, str] = {}
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        rows = connection.execute(
            select(activity_subjects.c.document_number, activity_subjects.c.item_key).where(activity_subjects.c.document_number.in_(chunk))
        )
        keys.update({number: key for number, key in rows})
    missing = [{"document_number": number, "item_key": f"act-{uuid.uuid4().hex}"} for number in numbers if number not in keys]
    if missing:
        connection.execute(activity_subjects.insert(), missing)
        keys.update({row["document_number"]: row["item_key"] for row in missing})
    return keys


def _known_visits(connection: Connection, keys: list[str]) -> dict[str, list[dict]]:
    known: dict[str, list[dict]] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = connection.execute(
            select(reference_items.c.item_key, reference_items.c.value).where(
                reference_items.c.dataset == "activity", reference_items.c.item_key.in_(keys[start : start + _CHUNK])
            )
        )
        known.update({key: json.loads(value)["visits"] for key, value in rows if value})
    return known


def record_visits(connection: Connection, visits: list[tuple[str, str, datetime]], now: datetime) -> None:
    """Add ``(document_number, branch_id, at)`` visits to the feed, in the caller's transaction."""
    by_number: dict[str, list[dict]] = {}
    for number, branch_id, at in visits:
        by_number.setdefault(number, []).append({"branch_id": branch_id, "at": at.isoformat()})
    if not by_number:
        return

    keys = _item_keys(connection, list(by_number))
    known = _known_visits(connection, list(keys.values()))
    changes = []
    for number, added in by_number.items():
        key = keys[number]
        merged = {(visit["branch_id"], visit["at"]): visit for visit in known.get(key, []) + added}
        newest = max(datetime.fromisoformat(visit["at"]) for visit in merged.values())
        kept = sorted(
            (visit for visit in merged.values() if newest - datetime.fromisoformat(visit["at"]) <= timedelta(hours=KEEP_HOURS)),
            key=lambda visit: visit["at"],
        )
        changes.append((key, {"document_number": number, "visits": kept}))
    publish_in(connection, "activity", changes, now)
