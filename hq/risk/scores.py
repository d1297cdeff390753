"""Rental histories at HQ and the credit scores computed from them.

The company's rental system reports each customer's history, keyed by document number.
:func:`recompute_scores` scores every history under one configuration and publishes to
``credit_scores`` only the items whose published value would change, each keyed
``CS-<customer_id>`` and carrying the document number, the score and the history.
"""

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hq.reference import publish
from hq.risk.tables import risk_histories
from kiosk.identity.id_number import mask_id_number
from kiosk.risk.config import RiskConfig
from kiosk.risk.scorecard import RentalHistory, score_history
from sync.protocol import canonical_json

log = logging.getLogger(__name__)

BATCH = 10_000  # histories read, scored and published per transaction
MAX_DOCUMENT_NUMBER = 64


class HistoryInvalid(ValueError):
    """A reported history that cannot be stored; the message names the line and the field."""


@dataclass(frozen=True)
class RecomputeResult:
    scored: int
    published: int
    config_version: str
    cursor: int | None  # the reference cursor after the last publish, None when nothing changed

    def to_json(self) -> dict[str, Any]:
        return {"scored": self.scored, "published": self.published, "config_version": self.config_version, "cursor": self.cursor}


def score_item_key(customer_id: int) -> str:
    return f"CS-{customer_id}"


def parse_history_line(item: dict[str, Any]) -> tuple[str, RentalHistory]:
    """Return the document number and history of one imported line ``{"document_number", "history": {...}}``.

    Counts must be whole numbers of 0 or more. Raises :class:`HistoryInvalid`.
    """
    number = item.get("document_number")
    if not isinstance(number, str) or not 0 < len(number) <= MAX_DOCUMENT_NUMBER:
        raise HistoryInvalid(f"document_number must be a string of 1 to {MAX_DOCUMENT_NUMBER} characters")
    fields = item.get("history")
    if not isinstance(fields, dict):
        raise HistoryInvalid("history must be an object")
    known = set(RentalHistory.__dataclass_fields__)
    unknown = set(fields) - known
    if unknown:
        raise HistoryInvalid(f"unknown history field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    for name, value in fields.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise HistoryInvalid(f"history field {name} must be a whole number of 0 or more, not {value!r}")
    return number, RentalHistory.from_json(fields)


def import_histories(engine: Engine, histories: Iterable[tuple[str, RentalHistory]], now: datetime | None = None) -> int:
    """Insert or replace the reported histories, in transactions of :data:`BATCH`; return how many were written.

    A replaced history keeps its customer id, so its score item keeps its key.
    """
    reported_at = now or datetime.now(timezone.utc)
    written = 0
    batch: list[dict[str, Any]] = []
    for number, history in histories:
        batch.append({"document_number": number, "history": canonical_json(history.to_json()), "reported_at": reported_at})
        if len(batch) == BATCH:
            written += _upsert_histories(engine, batch)
            batch = []
    if batch:
        written += _upsert_histories(engine, batch)
    log.info("%d rental histories imported", written)
    return written


def _upsert_histories(engine: Engine, rows: list[dict[str, Any]]) -> int:
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        # Stays under SQLite's limit of 32,766 bound parameters per statement.
        for start in range(0, len(rows), 5000):
            statement = dialect.insert(risk_histories).values(rows[start : start + 5000])
            statement = statement.on_conflict_do_update(
                index_elements=["document_number"],
                set_={"history": statement.excluded.history, "reported_at": statement.excluded.reported_at},
            )
            connection.execute(statement)
    return len(rows)


def recompute_scores(engine: Engine, config: RiskConfig, batch: int = BATCH, now: datetime | None = None) -> RecomputeResult:
    """Score every history under ``config`` and publish the items that changed.

    Works through the histories by customer id, ``batch`` at a time, so memory stays
    bounded. Each batch's changes are published first and then marked as published, so a
    crash in between publishes them again on the next run, which branches apply as a
    plain overwrite.
    """
    at = now or datetime.now(timezone.utc)
    scored = published = 0
    cursor = None
    after = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(risk_histories.c.customer_id, risk_histories.c.document_number, risk_histories.c.history, risk_histories.c.published_sha256)
                .where(risk_histories.c.customer_id > after)
                .order_by(risk_histories.c.customer_id)
                .limit(batch)
            ).all()
        if not rows:
            break
        after = rows[-1].customer_id
        scored += len(rows)

        changes: list[tuple[str, dict[str, Any]]] = []
        marks: list[dict[str, Any]] = []
        for row in rows:
            history = RentalHistory.from_json(json.loads(row.history))
            score = score_history(history, config)
            value = {"document_number": row.document_number, "score": score.to_json(), "history": history.to_json()}
            digest = hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
            if digest == row.published_sha256:
                continue
            changes.append((score_item_key(row.customer_id), value))
            marks.append({"id": row.customer_id, "points": score.points, "band": score.band, "version": score.config_version, "digest": digest})

        if changes:
            cursor = publish(engine, "credit_scores", changes, now=at)
            _mark_published(engine, marks, at)
            published += len(changes)
    log.info("credit scores under %s: %d scored, %d changed and published", config.version, scored, published)
    return RecomputeResult(scored, published, config.version, cursor)


def _mark_published(engine: Engine, marks: list[dict[str, Any]], at: datetime) -> None:
    statement = (
        update(risk_histories)
        .where(risk_histories.c.customer_id == bindparam("id"))
        .values(
            score_points=bindparam("points"),
            score_band=bindparam("band"),
            score_config_version=bindparam("version"),
            published_sha256=bindparam("digest"),
            published_at=at,
        )
    )
    with engine.begin() as connection:
        connection.execute(statement, marks)


def score_of(engine: Engine, document_number: str, config: RiskConfig) -> dict[str, Any] | None:
    """Return the score of one customer under ``config``, with every factor, or ``None`` without a history."""
    with engine.connect() as connection:
        row = connection.execute(select(risk_histories.c.history).where(risk_histories.c.document_number == document_number)).first()
    if row is None:
        return None
    score = score_history(RentalHistory.from_json(json.loads(row.history)), config)
    return {"masked_number": mask_id_number(document_number), **score.to_json()}
