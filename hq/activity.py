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


def _item_key(connection: Connection, number: str) -> str:
    row = connection.execute(select(activity_subjects.c.item_key).where(activity_subjects.c.document_number == number)).first()
    if row is not None:
        return row[0]
    key = f"act-{uuid.uuid4().hex}"
    connection.execute(activity_subjects.insert().values(document_number=number, item_key=key))
    return key


def record_visits(connection: Connection, visits: list[tuple[str, str, datetime]], now: datetime) -> None:
    """Add ``(document_number, branch_id, at)`` visits to the feed, in the caller's transaction."""
    by_number: dict[str, list[dict]] = {}
    for number, branch_id, at in visits:
        by_number.setdefault(number, []).append({"branch_id": branch_id, "at": at.isoformat()})

    changes = []
    for number, added in by_number.items():
        key = _item_key(connection, number)
        row = connection.execute(
            select(reference_items.c.value).where(reference_items.c.dataset == "activity", reference_items.c.item_key == key)
        ).first()
        known = json.loads(row[0])["visits"] if row is not None and row[0] else []
        merged = {(visit["branch_id"], visit["at"]): visit for visit in known + added}
        newest = max(datetime.fromisoformat(visit["at"]) for visit in merged.values())
        kept = sorted(
            (visit for visit in merged.values() if newest - datetime.fromisoformat(visit["at"]) <= timedelta(hours=KEEP_HOURS)),
            key=lambda visit: visit["at"],
        )
        changes.append((key, {"document_number": number, "visits": kept}))
    if changes:
        publish_in(connection, "activity", changes, now)
