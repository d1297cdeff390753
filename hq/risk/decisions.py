"""Decisions seen from branches and the later outcomes of the rentals they decided.

Branches send each decision record, with the rules' inputs, under the ``risk`` key of
a ``verification.recorded`` event. :func:`collect_decisions` copies the records of new
events into ``risk_decisions``. Outcomes come from the rental system and the fraud
team as JSON lines; a bad outcome confirms the warnings of its decision.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, and_, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from hq.risk.tables import risk_decisions, risk_outcomes
from hq.schema import contracts, events

log = logging.getLogger(__name__)

BAD_OUTCOMES = frozenset({"late_return", "damage", "unpaid", "fraud_confirmed"})
# "cleared": the fraud team looked into a refused or reviewed rental and found nothing.
GOOD_OUTCOMES = frozenset({"returned_ok", "cleared"})
OUTCOMES = BAD_OUTCOMES | GOOD_OUTCOMES
BATCH = 5000


class OutcomeInvalid(ValueError):
    """An outcome line that cannot be stored; the message names the field."""


@dataclass(frozen=True)
class StoredDecision:
    """One branch decision at HQ, with the outcomes reported for its rental so far."""

    transaction_id: str
    branch_id: str
    decided_at: datetime
    decision: str
    rules: tuple[str, ...]
    record: dict[str, Any]
    outcomes: frozenset[str] = field(default_factory=frozenset)

    @property
    def outcome_known(self) -> bool:
        return bool(self.outcomes)

    @property
    def bad_outcome(self) -> bool:
        return bool(self.outcomes & BAD_OUTCOMES)


def utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; SQLite returns stored times without their offset, and they are stored in UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def collect_decisions(engine: Engine) -> int:
    """Copy the decision records of new ``verification.recorded`` events; return how many were added.

    Events without a ``risk`` key, or whose record cannot be read, are skipped (the latter
    logged with the event id). A transaction decided twice keeps its first record.
    """
    # NOTE: every run reads all verification events that have no decision row, including
    # those without a "risk" key, so the run grows with the event table.
    query = (
        select(events.c.event_id, events.c.branch_id, events.c.payload)
        .where(events.c.event_type == "verification.recorded")
        .where(~exists().where(risk_decisions.c.event_id == events.c.event_id))
    )
    rows: list[dict[str, Any]] = []
    with engine.connect() as connection:
        for event in connection.execute(query):
            record = json.loads(event.payload).get("risk")
            if record is None:
                continue
            try:
                rows.append(_decision_row(event.event_id, event.branch_id, record))
            except (KeyError, TypeError, ValueError) as error:
                log.error("event %s: the risk decision record cannot be read: %r", event.event_id, error)
    added = 0
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), BATCH):
            statement = dialect.insert(risk_decisions).values(rows[start : start + BATCH]).on_conflict_do_nothing()
            # Counted from RETURNING, since psycopg reports no row count for this statement.
            added += len(connection.execute(statement.returning(risk_decisions.c.transaction_id)).all())
    log.info("risk decisions: %d new from branch events", added)
    return added


def _decision_row(event_id: str, branch_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "transaction_id": str(record["transaction_id"]),
        "event_id": event_id,
        "branch_id": branch_id,
        "decided_at": utc(datetime.fromisoformat(record["decided_at"])),
        "decision": str(record["decision"]),
        "config_version": str(record["config_version"]),
        "rules": json.dumps([rule["rule"] for rule in record["rules"]]),
        "record": json.dumps(record, ensure_ascii=False),
    }


def parse_outcome_line(item: dict[str, Any]) -> dict[str, Any]:
    """Check one line ``{"transaction_id" or "contract_no", "outcome", "reported_at", "source"}``.

    Raises :class:`OutcomeInvalid`.
    """
    if not isinstance(item.get("transaction_id"), str) and not isinstance(item.get("contract_no"), str):
        raise OutcomeInvalid("an outcome needs transaction_id or contract_no")
    if item.get("outcome") not in OUTCOMES:
        raise OutcomeInvalid(f"outcome must be one of {', '.join(sorted(OUTCOMES))}, not {item.get('outcome')!r}")
    try:
        reported_at = datetime.fromisoformat(item["reported_at"]) if item.get("reported_at") else datetime.now(timezone.utc)
    except (TypeError, ValueError) as error:
        raise OutcomeInvalid(f"reported_at is not an ISO 8601 time: {error}") from error
    return {
        "transaction_id": item.get("transaction_id"),
        "contract_no": item.get("contract_no"),
        "outcome": item["outcome"],
        "reported_at": utc(reported_at) if reported_at.tzinfo else reported_at.replace(tzinfo=timezone.utc),
        "source": str(item.get("source") or "import"),
    }


def import_outcomes(engine: Engine, outcomes: Iterable[dict[str, Any]]) -> tuple[int, list[str]]:
    """Store checked outcomes; return how many were new, and the contract numbers that match no verification.

    An outcome given by ``contract_no`` is stored under the verification id of that
    contract, as archived at HQ. Reporting the same outcome twice keeps the first report.
    """
    unmatched: list[str] = []
    rows: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for outcome in outcomes:
            transaction_id = outcome["transaction_id"]
            if transaction_id is None:
                transaction_id = connection.execute(
                    select(contracts.c.verification_id).where(contracts.c.contract_no == outcome["contract_no"])
                ).scalar()
                if transaction_id is None:
                    unmatched.append(outcome["contract_no"])
                    continue
            rows.append(
                {"transaction_id": transaction_id, "outcome": outcome["outcome"], "reported_at": outcome["reported_at"], "source": outcome["source"]}
            )
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        added = 0
        for start in range(0, len(rows), BATCH):
            statement = dialect.insert(risk_outcomes).values(rows[start : start + BATCH]).on_conflict_do_nothing()
            added += len(connection.execute(statement.returning(risk_outcomes.c.transaction_id)).all())
    log.info("risk outcomes: %d new, %d contract numbers without a verification", added, len(unmatched))
    return added, unmatched


def load_decisions(engine: Engine, since: datetime, until: datetime) -> list[StoredDecision]:
    """Return the decisions taken in ``[since, until)``, oldest first, each with its outcomes."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(risk_decisions)
            .where(and_(risk_decisions.c.decided_at >= utc(since), risk_decisions.c.decided_at < utc(until)))
            .order_by(risk_decisions.c.decided_at, risk_decisions.c.transaction_id)
        ).all()
        outcomes: dict[str, set[str]] = {}
        ids = [row.transaction_id for row in rows]
        for start in range(0, len(ids), BATCH):
            for outcome in connection.execute(
                select(risk_outcomes.c.transaction_id, risk_outcomes.c.outcome).where(risk_outcomes.c.transaction_id.in_(ids[start : start + BATCH]))
            ):
                outcomes.setdefault(outcome.transaction_id, set()).add(outcome.outcome)
    return [
        StoredDecision(
            transaction_id=row.transaction_id,
            branch_id=row.branch_id,
            decided_at=utc(row.decided_at),
            decision=row.decision,
            rules=tuple(json.loads(row.rules)),
            record=json.loads(row.record),
            outcomes=frozenset(outcomes.get(row.transaction_id, ())),
        )
        for row in rows
    ]
