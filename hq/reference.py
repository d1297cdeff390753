"""Reference data at HQ: publish a change to one item, and list the changes after a cursor.

HQ is authoritative for reference data. Each item keeps only its newest state, with
the cursor of its last change, so a branch far behind pulls each item once, not its
whole history. A removed item stays as a row without a value, so that branches learn
of the removal.
"""

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hq.database import REFERENCE_CURSOR
from hq.schema import counters, reference_items
from sync.protocol import DATASETS, MAX_PULL_CHANGES, PullResponse, ReferenceChange, canonical_json

log = logging.getLogger(__name__)


class UnknownDataset(ValueError):
    """A dataset name that is not one of :data:`sync.protocol.DATASETS`."""


def check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise UnknownDataset(f"unknown dataset {dataset!r}; one of {', '.join(DATASETS)}")


def publish(engine: Engine, dataset: str, changes: Iterable[tuple[str, dict[str, Any] | None]], now: datetime | None = None) -> int:
    """Write ``(key, value)`` changes to ``dataset`` in one transaction; a ``None`` value removes the item.

    Returns the cursor of the last change. Raises :class:`UnknownDataset`.
    """
    with engine.begin() as connection:
        return publish_in(connection, dataset, changes, now)


def publish_in(
    connection: Connection, dataset: str, changes: Iterable[tuple[str, dict[str, Any] | None]], now: datetime | None = None
) -> int:
    """Write changes as :func:`publish` does, inside the caller's transaction, so they commit with the caller's rows."""
    check_dataset(dataset)
    changed_at = now or datetime.now(timezone.utc)
    items = list(changes)
    if not items:
        raise ValueError("no changes to publish")
    first = _take_cursors(connection, len(items))
    rows = [
        {
            "dataset": dataset,
            "item_key": key,
            "cursor": first + offset,
            "value": canonical_json(value) if value is not None else None,
            "changed_at": changed_at,
        }
        for offset, (key, value) in enumerate(items)
    ]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # Executed with a list of rows, so SQLAlchemy compiles the statement once and caches it.
    # Rows put into the VALUES of the statement itself were compiled anew for every chunk
    # of 5,000: publishing 50,000 items took about four times as long (15 s against 3.4 s).
    statement = dialect.insert(reference_items)
    statement = statement.on_conflict_do_update(
        index_elements=["dataset", "item_key"],
        set_={"cursor": statement.excluded.cursor, "value": statement.excluded.value, "changed_at": statement.excluded.changed_at},
    )
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start : start + 5000])
    last = first + len(items) - 1
    log.info("reference %s: %d changes published, cursor now %d", dataset, len(items), last)
    return last


def _take_cursors(connection: Connection, count: int) -> int:
    """Reserve ``count`` cursors and return the first; the counter row stays locked until commit."""
    row = connection.execute(
        update(counters).where(counters.c.name == REFERENCE_CURSOR).values(value=counters.c.value + count).returning(counters.c.value)
    ).one()
    return row[0] - count + 1


def changes_after(engine: Engine, dataset: str, cursor: int, limit: int = MAX_PULL_CHANGES) -> PullResponse:
    """Return up to ``limit`` changes of ``dataset`` with a cursor above ``cursor``, oldest first."""
    check_dataset(dataset)
    limit = max(1, min(limit, MAX_PULL_CHANGES))
    with engine.connect() as connection:
        rows = connection.execute(
            select(reference_items.c.item_key, reference_items.c.cursor, reference_items.c.value)
            .where(and_(reference_items.c.dataset == dataset, reference_items.c.cursor > cursor))
            .order_by(reference_items.c.cursor)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [
        ReferenceChange(key=row.item_key, cursor=row.cursor, value=json.loads(row.value) if row.value is not None else None)
        for row in rows
    ]
    return PullResponse(dataset=dataset, changes=changes, cursor=changes[-1].cursor if changes else cursor, more=more)
