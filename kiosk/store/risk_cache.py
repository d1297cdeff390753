"""What the branch knows for the risk rules, read from its store: HQ's cached reference data and its own records.

Everything is found by the keyed hash of the document number, so a lookup among a
million blacklist entries is one index probe. The risk configuration is HQ's newest
``risk_config`` item, or the shipped default before the first sync.
"""

import json
import logging
from datetime import datetime

from kiosk.risk.config import RiskConfig, RiskConfigError, load_default_config
from kiosk.risk.decision import DecisionRecord
from kiosk.risk.rules import BlacklistEntry, BranchVisit
from kiosk.risk.scorecard import Score
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)


class RiskCache:
    """Read-side of the risk data in one :class:`RentalStore`; decision records are written here too."""

    def __init__(self, store: RentalStore) -> None:
        self.store = store
        self.database = store.database

    def _items(self, dataset: str, document_index: str) -> list[dict]:
        rows = self.database.connection.execute(
            "SELECT item_key, value FROM reference_items WHERE dataset = ? AND lookup = ?", (dataset, document_index)
        ).fetchall()
        return [{"key": key, **json.loads(value)} for key, value in rows]

    def config(self) -> RiskConfig:
        """Return HQ's newest risk configuration, or the shipped one; a broken item is logged and skipped."""
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT value FROM reference_items WHERE dataset = 'risk_config' AND item_key = 'current'"
        ).fetchone()
        if row is not None:
            try:
                return RiskConfig.from_json(json.loads(row[0]))
            except (RiskConfigError, ValueError) as error:
                log.error("HQ's risk configuration cannot be applied, using the shipped one: %s", error)
        return load_default_config()

    def blacklist(self, document_index: str) -> tuple[BlacklistEntry, ...]:
        self.database.owner.check()
        entries = []
        for item in self._items("blacklist", document_index):
            try:
                entries.append(BlacklistEntry.from_json(item))
            except (KeyError, ValueError) as error:
                # An entry that cannot be read still blocks: a broken entry must not let a listed person rent.
                log.error("blacklist item %s cannot be read (%s); treated as applying from today", item.get("key"), error)
                entries.append(BlacklistEntry.from_json({"key": item.get("key"), "reason": item.get("reason"), "source": "HQ", "starts_on": "1970-01-01"}))
        return tuple(entries)

    def score(self, document_index: str) -> Score | None:
        self.database.owner.check()
        items = self._items("credit_scores", document_index)
        if not items:
            return None
        try:
            return Score.from_json(items[0]["score"])
        except (KeyError, TypeError, ValueError) as error:
            log.error("credit score item %s cannot be read: %s", items[0].get("key"), error)
            return None

    def completed_rentals(self, document_index: str) -> int | None:
        items = self._items("credit_scores", document_index)
        history = items[0].get("history") if items else None
        return int(history.get("completed_rentals", 0)) if isinstance(history, dict) else None

    def visits(self, document_index: str) -> tuple[BranchVisit, ...]:
        self.database.owner.check()
        visits = []
        for item in self._items("activity", document_index):
            for visit in item.get("visits", []):
                visits.append(BranchVisit(str(visit["branch_id"]), datetime.fromisoformat(visit["at"])))
        return tuple(visits)

    def national_id_rejections(self, document_index: str) -> tuple[str, ...]:
        self.database.owner.check()
        rejected: list[str] = []
        for item in self._items("risk_flags", document_index):
            rejected.extend(str(value) for value in item.get("national_id_rejected", []))
        return tuple(rejected)

    def phone_identities(self, phone: str, document_index: str) -> int:
        """Return how many identities gave ``phone`` here, counting this one once."""
        self.database.owner.check()
        others = self.database.connection.execute(
            "SELECT count(DISTINCT document_index) FROM customers WHERE phone = ? AND document_index != ?", (phone, document_index)
        ).fetchone()[0]
        return others + 1

    def save_decision(self, record: DecisionRecord) -> None:
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO risk_decisions (transaction_id, decision, config_version, record, decided_at) VALUES (?, ?, ?, ?, ?)",
                (record.transaction_id, record.decision.value, record.config_version, json.dumps(record.to_json(), ensure_ascii=False), record.decided_at.isoformat()),
            )

    def decision(self, transaction_id: str) -> dict | None:
        self.database.owner.check()
        row = self.database.connection.execute("SELECT record FROM risk_decisions WHERE transaction_id = ?", (transaction_id,)).fetchone()
        return json.loads(row[0]) if row else None
