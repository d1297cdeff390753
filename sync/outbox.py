"""The outbox: branch events waiting for headquarters, written with the record they report.

An event's ``event_id`` is its idempotency key: headquarters stores the first result
for a key and returns it for a repeat, so an event sent twice is applied once. The
store writes the event in the same transaction as the record, so a record never
exists without its event or the other way round.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Version 1 of the outbox table. A store applies this in its first migration; later
# versions of the table come as new statements, never as edits to this one.
OUTBOX_TABLE_V1 = """
CREATE TABLE outbox (
    event_id     TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class OutboxEvent:
    """One event for headquarters; ``payload`` must be JSON-serialisable."""

    event_type: str
    aggregate_id: str
    payload: dict[str, Any]
    created_at: datetime
    event_id: str = ""

    def __post_init__(self) -> None:
        if not self.event_id:
            object.__setattr__(self, "event_id", str(uuid.uuid4()))

    def payload_json(self) -> str:
        """Serialise the payload with sorted keys, so equal payloads give equal text."""
        return json.dumps(self.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Outbox(Protocol):
    """Outbox operations that the sync agent uses."""

    def pending_events(self, limit: int) -> list[OutboxEvent]:
        """Return up to ``limit`` unsent events, oldest first."""
        ...

    def mark_sent(self, event_ids: list[str], sent_at: datetime) -> None:
        """Record that headquarters acknowledged these events."""
        ...
