"""Store a batch of branch events exactly once, and apply what each event means at HQ.

One transaction per batch: the events that are new are inserted, and their effects (a
contract into the archive, an offline approval into the re-check queue) are written in
the same transaction, so an event is applied if and only if it is stored. A repeat of a
stored event gets its first result again; the same id with other content is a
conflict and changes nothing. Two processes that ingest the same event at once both
insert with ``ON CONFLICT DO NOTHING``, so only one of them stores and applies it.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from hq.activity import record_visits
from hq.schema import contracts, events, offline_approvals
from sync.protocol import Event, EventResult, Outcome, UploadRequest, UploadResponse, canonical_json

log = logging.getLogger(__name__)

PDF_ATTACHMENT = "pdf"
ID_CHECK_ATTACHMENT = "national_id_check"
# The document number of a verification, for the activity feed across branches.
SUBJECT_ATTACHMENT = "subject"


class EventInvalid(ValueError):
    """An event whose content cannot be applied; its result is ``rejected`` and it is not stored."""


@dataclass(frozen=True)
class Sender:
    """The branch and kiosk that the client certificate names."""

    branch_id: str
    kiosk_id: str


def ingest_batch(engine: Engine, request: UploadRequest, sender: Sender, now: datetime | None = None) -> UploadResponse:
    """Store and apply the new events of ``request``; return one result per event, in order.

    Raises ``PermissionError`` when the batch names another branch or kiosk than the sender.
    """
    if (request.branch_id, request.kiosk_id) != (sender.branch_id, sender.kiosk_id):
        raise PermissionError(
            f"batch for {request.branch_id}/{request.kiosk_id} sent with the certificate of {sender.branch_id}/{sender.kiosk_id}"
        )
    received_at = now or datetime.now(timezone.utc)

    results: dict[str, EventResult] = {}
    valid: list[Event] = []
    unique, changed_copies = _first_of_each_id(request.events)
    for event in unique:
        try:
            _validate(event)
        except EventInvalid as error:
            log.warning("branch %s: event %s (%s) rejected: %s", sender.branch_id, event.event_id, event.event_type, error)
            results[event.event_id] = EventResult(event_id=event.event_id, outcome=Outcome.REJECTED, detail=str(error), received_at=received_at)
        else:
            valid.append(event)

    with engine.begin() as connection:
        stored = _insert_new(connection, valid, sender, received_at)
        _apply(connection, [event for event in valid if event.event_id in stored], sender, received_at)
        for event in valid:
            if event.event_id in stored:
                results[event.event_id] = EventResult(event_id=event.event_id, outcome=Outcome.ACCEPTED, received_at=received_at)
        earlier = [event for event in valid if event.event_id not in stored]
        results.update(_answer_repeats(connection, earlier))

    accepted = len(stored)
    log.info(
        "branch %s kiosk %s: batch of %d events, %d new, %d repeated or conflicting",
        sender.branch_id, sender.kiosk_id, len(request.events), accepted, len(request.events) - accepted,
    )
    answers = []
    for position, event in enumerate(request.events):
        if position in changed_copies:
            log.error("event %s appears twice in one batch with other content: %s", event.event_id, event.event_type)
            first = results[event.event_id]
            answers.append(
                EventResult(
                    event_id=event.event_id,
                    outcome=Outcome.CONFLICT,
                    detail="this event id appears earlier in the batch with other content; this copy was not stored",
                    received_at=first.received_at,
                )
            )
        else:
            answers.append(results[event.event_id])
    return UploadResponse(results=answers)


def _first_of_each_id(batch: list[Event]) -> tuple[list[Event], set[int]]:
    """Return the first event of each id, and the positions of later copies whose content differs from it.

    A later copy with the same content gets the first copy's result. A later copy with
    other content is a conflict, as it would be in a later batch.
    """
    first: dict[str, Event] = {}
    changed: set[int] = set()
    for position, event in enumerate(batch):
        if event.event_id not in first:
            first[event.event_id] = event
        elif event.content_sha256() != first[event.event_id].content_sha256():
            changed.add(position)
    return list(first.values()), changed


def _validate(event: Event) -> None:
    if event.event_type == "contract.signed":
        pdf = event.attachment(PDF_ATTACHMENT)
        if pdf is None:
            raise EventInvalid("contract.signed without its PDF attachment")
        if hashlib.sha256(pdf).hexdigest() != event.payload.get("pdf_sha256"):
            raise EventInvalid("the PDF attachment does not match the event's pdf_sha256")
        for name in ("contract_no", "signed_at"):
            if not isinstance(event.payload.get(name), str):
                raise EventInvalid(f"contract.signed without {name}")
        # Checked here: a value that failed only in _apply would fail the whole batch with a
        # server error, and the kiosk would retry that batch without end.
        try:
            signed_at = datetime.fromisoformat(event.payload["signed_at"])
        except ValueError as error:
            raise EventInvalid(f"contract.signed with an invalid signed_at: {error}") from error
        if signed_at.tzinfo is None:
            raise EventInvalid("contract.signed with a signed_at without a UTC offset")


def _insert_new(connection: Connection, batch: list[Event], sender: Sender, received_at: datetime) -> set[str]:
    """Insert the events whose id is unknown; return the ids inserted by this call."""
    if not batch:
        return set()
    rows = [
        {
            "event_id": event.event_id,
            "branch_id": sender.branch_id,
            "kiosk_id": sender.kiosk_id,
            "event_type": event.event_type,
            "aggregate_id": event.aggregate_id,
            # In UTC, because SQLite keeps a timestamp's wall time and drops its offset.
            "created_at": event.created_at.astimezone(timezone.utc),
            "payload": canonical_json(event.payload),
            "content_sha256": event.content_sha256(),
            "received_at": received_at,
        }
        for event in batch
    ]
    # Executed with a list of rows, so SQLAlchemy compiles the statement once and caches it,
    # then sends the rows in multi-row INSERTs. Rows put into the VALUES of the statement
    # itself were compiled anew for each batch, about half the time of a batch of 500.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(events).on_conflict_do_nothing(index_elements=["event_id"]).returning(events.c.event_id)
    return {row[0] for row in connection.execute(statement, rows)}


def _answer_repeats(connection: Connection, earlier: list[Event]) -> dict[str, EventResult]:
    if not earlier:
        return {}
    stored = {
        row.event_id: row
        for row in connection.execute(
            select(events.c.event_id, events.c.content_sha256, events.c.received_at).where(
                events.c.event_id.in_([event.event_id for event in earlier])
            )
        )
    }
    results = {}
    for event in earlier:
        row = stored[event.event_id]
        received_at = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=timezone.utc)
        if row.content_sha256 == event.content_sha256():
            results[event.event_id] = EventResult(event_id=event.event_id, outcome=Outcome.ACCEPTED, repeat=True, received_at=received_at)
        else:
            log.error("event %s repeated with other content: %s", event.event_id, event.event_type)
            results[event.event_id] = EventResult(
                event_id=event.event_id,
                outcome=Outcome.CONFLICT,
                detail="this event id was stored earlier with other content; nothing was changed",
                received_at=received_at,
            )
    return results


def _apply(connection: Connection, new_events: list[Event], sender: Sender, received_at: datetime) -> None:
    """Write what the new events mean at HQ, in the transaction that stores them.

    Each kind of effect is one statement for the whole batch, because one statement per
    event cost a round trip to the database each. When two events name the same contract
    or verification, the earlier one in the batch is kept.
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    contract_rows = []
    approval_rows = []
    visits: list[tuple[str, str, datetime]] = []
    for event in new_events:
        if event.event_type == "contract.signed":
            payload = event.payload
            contract_rows.append(
                {
                    "contract_no": payload["contract_no"],
                    "branch_id": sender.branch_id,
                    "event_id": event.event_id,
                    "reservation_no": payload.get("reservation_no"),
                    "verification_id": payload.get("verification_id"),
                    "template": payload.get("template"),
                    "signed_at": datetime.fromisoformat(payload["signed_at"]).astimezone(timezone.utc),
                    "pdf_sha256": payload["pdf_sha256"],
                    "pdf": event.attachment(PDF_ATTACHMENT),
                    "pades_level": payload.get("pades_level") or "B-B",
                    "upgrade_state": "pending",
                    "upgrade_detail": "",
                    "received_at": received_at,
                }
            )
        elif event.event_type == "verification.recorded":
            subject = event.attachment(SUBJECT_ATTACHMENT)
            if subject is not None:
                number = json.loads(subject).get("document_number")
                if isinstance(number, str) and number:
                    visits.append((number, sender.branch_id, event.created_at.astimezone(timezone.utc)))
            request = event.attachment(ID_CHECK_ATTACHMENT)
            if request is not None:
                recheck = json.loads(request)
                approval_rows.append(
                    {
                        "verification_id": event.aggregate_id,
                        "branch_id": sender.branch_id,
                        "event_id": event.event_id,
                        "state": "pending",
                        "name": recheck.get("name"),
                        "number": recheck.get("number"),
                        "attempts": 0,
                        "received_at": received_at,
                    }
                )

    if contract_rows:
        statement = dialect.insert(contracts).on_conflict_do_nothing(index_elements=["contract_no"]).returning(contracts.c.event_id)
        archived = {row[0] for row in connection.execute(statement, contract_rows)}
        for row in contract_rows:
            if row["event_id"] not in archived:
                log.error("event %s: contract %s is archived already from another event; kept the first", row["event_id"], row["contract_no"])
    if approval_rows:
        statement = dialect.insert(offline_approvals).on_conflict_do_nothing(index_elements=["verification_id"])
        connection.execute(statement, approval_rows)
    if visits:
        record_visits(connection, visits, received_at)
