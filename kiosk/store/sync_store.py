"""The kiosk's side of the sync agent's interfaces, on the SQLCipher store.

:class:`StoreSyncAdapter` gives the agent the outbox (with each contract's PDF as an
attachment, read from the contracts table when the batch is built), takes pulled
reference data with its cursor in one transaction, and keeps the sync state that the
clerk sees: the last successful sync and the last attempt.

Reference items about a person (``blacklist``, ``revoked_documents``, ``credit_scores``,
``activity``, ``risk_flags``) arrive with the full document number. The number is replaced on arrival by the branch's keyed hash (the
``lookup`` column) and a masked form, so the branch never keeps HQ's list in clear.
"""

import base64
import json
import logging
from datetime import datetime

from kiosk.identity.id_number import mask_id_number
from kiosk.store.rentals import RentalStore
from sync.outbox import OutboxEvent
from sync.protocol import ReferenceChange, canonical_json

log = logging.getLogger(__name__)

PERSON_DATASETS = frozenset({"blacklist", "revoked_documents", "credit_scores", "activity", "risk_flags"})
LAST_SUCCESS = "last_success"
LAST_ATTEMPT = "last_attempt"


class StoreSyncAdapter:
    """Outbox, reference sink and sync state over one :class:`RentalStore`."""

    def __init__(self, store: RentalStore) -> None:
        self.store = store
        self.database = store.database

    # Outbox -------------------------------------------------------------------

    def pending_events(self, limit: int) -> list[OutboxEvent]:
        return self.store.pending_events(limit)

    def event_attachments(self, event: OutboxEvent) -> dict[str, bytes]:
        self.database.owner.check()
        row = self.database.connection.execute("SELECT attachments FROM outbox WHERE event_id = ?", (event.event_id,)).fetchone()
        attachments = {name: base64.b64decode(text) for name, text in json.loads(row[0]).items()} if row and row[0] else {}
        if event.event_type == "contract.signed":
            contract = self.database.connection.execute(
                "SELECT pdf FROM contracts WHERE contract_no = ?", (event.payload.get("contract_no"),)
            ).fetchone()
            if contract is not None:
                attachments["pdf"] = bytes(contract[0])
            else:
                log.error("event %s: contract %s is not in the store", event.event_id, event.payload.get("contract_no"))
        return attachments

    def mark_sent(self, event_ids: list[str], sent_at: datetime) -> None:
        self.store.mark_sent(event_ids, sent_at)

    def mark_failed(self, event_id: str, detail: str, at: datetime) -> None:
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "UPDATE outbox SET failed_at = ?, last_error = ?, attempts = attempts + 1 WHERE event_id = ? AND sent_at IS NULL",
                (at.isoformat(), detail[:2000], event_id),
            )

    def count_pending(self) -> int:
        self.database.owner.check()
        return self.database.connection.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL").fetchone()[0]

    def count_failed(self) -> int:
        self.database.owner.check()
        return self.database.connection.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL").fetchone()[0]

    def failed_events(self, limit: int = 50) -> list[dict]:
        """Return the failed events, oldest first, with HQ's reason: what ``sync status`` lists."""
        self.database.owner.check()
        rows = self.database.connection.execute(
            "SELECT event_id, event_type, aggregate_id, failed_at, last_error FROM outbox "
            "WHERE sent_at IS NULL AND failed_at IS NOT NULL ORDER BY failed_at LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(zip(("event_id", "event_type", "aggregate_id", "failed_at", "error"), row, strict=True)) for row in rows]

    def retry_failed(self) -> int:
        """Put every failed event back in the queue, after IT fixed the cause; return how many."""
        self.database.owner.check()
        with self.database.transaction() as connection:
            return connection.execute("UPDATE outbox SET failed_at = NULL WHERE sent_at IS NULL AND failed_at IS NOT NULL").rowcount

    # Reference data ---------------------------------------------------------------

    def reference_cursor(self, dataset: str) -> int:
        value = self._state(f"cursor.{dataset}")
        return int(value) if value is not None else 0

    def apply_reference_changes(self, dataset: str, changes: list[ReferenceChange], cursor: int) -> None:
        self.database.owner.check()
        now = datetime.now().astimezone().isoformat()
        with self.database.transaction() as connection:
            for change in changes:
                if change.value is None:
                    connection.execute("DELETE FROM reference_items WHERE dataset = ? AND item_key = ?", (dataset, change.key))
                    continue
                value, lookup = self._protect(dataset, change.value)
                connection.execute(
                    "INSERT INTO reference_items (dataset, item_key, value, lookup, cursor, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (dataset, item_key) DO UPDATE SET value = excluded.value, lookup = excluded.lookup, "
                    "cursor = excluded.cursor, updated_at = excluded.updated_at",
                    (dataset, change.key, canonical_json(value), lookup, change.cursor, now),
                )
            connection.execute(
                "INSERT OR REPLACE INTO sync_state (name, value) VALUES (?, ?)", (f"cursor.{dataset}", str(cursor))
            )

    def _protect(self, dataset: str, value: dict) -> tuple[dict, str | None]:
        """Replace a person's document number by the keyed hash (returned) and a masked form."""
        number = value.get("document_number") if dataset in PERSON_DATASETS else None
        if not isinstance(number, str):
            return value, None
        kept = {name: item for name, item in value.items() if name != "document_number"}
        kept["masked_number"] = mask_id_number(number)
        return kept, self.store.document_index(number)

    def reference_items(self, dataset: str, document_number: str | None = None) -> list[dict]:
        """Return the items of ``dataset``, or only those about ``document_number``."""
        self.database.owner.check()
        if document_number is None:
            rows = self.database.connection.execute(
                "SELECT item_key, value FROM reference_items WHERE dataset = ? ORDER BY item_key", (dataset,)
            ).fetchall()
        else:
            rows = self.database.connection.execute(
                "SELECT item_key, value FROM reference_items WHERE dataset = ? AND lookup = ? ORDER BY item_key",
                (dataset, self.store.document_index(document_number)),
            ).fetchall()
        return [{"key": key, **json.loads(value)} for key, value in rows]

    # Sync state --------------------------------------------------------------------

    def record_run(self, report_json: dict) -> None:
        """Keep the report of a run as the last attempt, and as the last success when it succeeded."""
        self.database.owner.check()
        text = json.dumps(report_json, ensure_ascii=False)
        with self.database.transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO sync_state (name, value) VALUES (?, ?)", (LAST_ATTEMPT, text))
            if report_json.get("status") == "ok":
                connection.execute("INSERT OR REPLACE INTO sync_state (name, value) VALUES (?, ?)", (LAST_SUCCESS, text))

    def last_run(self, name: str = LAST_ATTEMPT) -> dict | None:
        value = self._state(name)
        return json.loads(value) if value is not None else None

    def _state(self, name: str) -> str | None:
        self.database.owner.check()
        row = self.database.connection.execute("SELECT value FROM sync_state WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None
