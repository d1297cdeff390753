"""Outbox events written cheaply into a branch store, and the exactly-once checks between the kiosk and HQ.

:func:`append_events` writes events with the store's own ``RentalStore._append_event``
in one transaction, with a share of ``contract.signed`` events whose PDF is in the
contracts table as a signed contract's is. It skips the face, signing and PDF pipeline,
because the sync path reads only the outbox and the contracts table.

:func:`kiosk_records` and :func:`hq_records` read what each side holds.
:func:`assert_sent_only_when_stored` must pass after any fault, and :func:`assert_exactly_once`
after a final clean sync.
"""

import base64
import hashlib
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pydantic import ValidationError
from sqlalchemy import Engine, select

from hq.schema import contracts as hq_contracts
from hq.schema import events as hq_events
from kiosk.store.biometrics import protect_strokes
from kiosk.store.rentals import RentalStore
from kiosk.store.sync_store import StoreSyncAdapter
from sync.outbox import OutboxEvent
from sync.protocol import Event

# The customer and verification that every synthetic contract points at, as the
# contracts table's foreign keys require. The number is a made-up one with a valid check digit.
CUSTOMER_NUMBER = "110105196108040013"
SOAK_VERIFICATION = "soak-verification-0"

# The content hash recorded for an outbox event that the protocol rejects.
INVALID = "invalid"


@dataclass(frozen=True)
class Record:
    """One event as one side stores it: the content hash that distinguishes a repeat from a conflict, and where it belongs.

    ``created_at`` is the event's instant in seconds since the epoch, so that a side that
    kept the wall time without its offset shows up as a difference.
    """

    content_sha256: str
    aggregate_id: str
    event_type: str
    created_at: float


@dataclass(frozen=True)
class KioskRecords:
    """The branch outbox: every event by id, and the ids sent and failed."""

    events: dict[str, Record]
    sent: frozenset[str]
    failed: frozenset[str]
    contract_pdfs: dict[str, str]  # contract_no -> sha256 of the PDF in the contracts table


@dataclass(frozen=True)
class HqRecords:
    """HQ's events of one branch by id, their row count, and its archived contracts."""

    events: dict[str, Record]
    rows: int
    contracts: Counter  # contract_no -> rows
    contract_pdfs: dict[str, str]  # contract_no -> sha256 of the stored PDF


def prepare_store(store: RentalStore, at: datetime) -> None:
    """Insert the customer and verification that synthetic contracts refer to, once per store."""
    connection = store.database.connection
    if connection.execute("SELECT 1 FROM verifications WHERE verification_id = ?", (SOAK_VERIFICATION,)).fetchone():
        return
    with store.database.transaction():
        connection.execute(
            "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, address, phone, "
            " first_seen_at, last_seen_at) VALUES ('resident_id', ?, ?, '测试', 'M', '1961-08-04', '北京市朝阳区', '13800000000', ?, ?)",
            (store.document_index(CUSTOMER_NUMBER), CUSTOMER_NUMBER, at.isoformat(), at.isoformat()),
        )
        customer_id = connection.execute("SELECT last_insert_rowid()").fetchone()[0]
        connection.execute(
            "INSERT INTO verifications (verification_id, session_id, customer_id, decision, checks, created_at) "
            "VALUES (?, 'soak-session', ?, 'approved', '[]', ?)",
            (SOAK_VERIFICATION, customer_id, at.isoformat()),
        )


def _pdf(rng: random.Random) -> bytes:
    """Return PDF-like bytes of 1 to 6 KiB; HQ checks only that they match the event's pdf_sha256."""
    return b"%PDF-1.7\n" + rng.randbytes(rng.randint(1024, 6 * 1024)) + b"\n%%EOF\n"


def append_events(store: RentalStore, rng: random.Random, count: int, contract_share: float, start: datetime) -> list[str]:
    """Queue ``count`` events in one transaction and return their ids, oldest first.

    About ``contract_share`` of them are ``contract.signed`` with a row in the contracts
    table. The rest are ``verification.recorded`` (one in five with a national ID check
    attachment, which HQ queues for a re-check) and ``verification.face_waived`` on a
    verification queued earlier in the same call, so some aggregates have two events.
    """
    prepare_store(store, start)
    connection = store.database.connection
    customer_id = connection.execute("SELECT customer_id FROM verifications WHERE verification_id = ?", (SOAK_VERIFICATION,)).fetchone()[0]
    verifications: list[str] = []
    event_ids = []
    with store.database.transaction():
        for index in range(count):
            at = start + timedelta(milliseconds=index)
            roll = rng.random()
            attachments = None
            if roll < contract_share:
                event = _contract_event(store, rng, customer_id, at)
            elif verifications and roll < contract_share + (1 - contract_share) * 0.2:
                event = OutboxEvent("verification.face_waived", rng.choice(verifications), {"reason": "camera fault", "clerk": "C-01"}, at)
            else:
                verification_id = f"V-{uuid.uuid4()}"
                verifications.append(verification_id)
                payload = {"branch_id": "BJ-CY01", "session_id": str(uuid.uuid4()), "decision": rng.choice(["approved", "refused", "review"])}
                event = OutboxEvent("verification.recorded", verification_id, payload, at)
                if rng.random() < 0.2:
                    asked = {"name": "测试", "number": CUSTOMER_NUMBER}
                    attachments = {"national_id_check": json.dumps(asked, ensure_ascii=False).encode("utf-8")}
            store._append_event(connection, event, attachments)
            event_ids.append(event.event_id)
    return event_ids


def _contract_event(store: RentalStore, rng: random.Random, customer_id: int, at: datetime) -> OutboxEvent:
    """Insert a contract row with its PDF in the caller's transaction and return its ``contract.signed`` event."""
    connection = store.database.connection
    contract_no = f"BJ-CY01-SOAK-{uuid.uuid4().hex[:16]}"
    pdf = _pdf(rng)
    pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    connection.execute(
        "INSERT INTO contracts (contract_no, verification_id, customer_id, reservation_no, template_id, template_version, "
        " template_sha256, fields, acknowledgements, signature_strokes, pdf, pdf_sha256, signer_subject, signed_at, pades_level) "
        "VALUES (?, ?, ?, ?, 'standard', '1', ?, '{}', '[]', ?, ?, ?, 'CN=soak', ?, 'B-B')",
        (
            contract_no,
            SOAK_VERIFICATION,
            customer_id,
            f"R-{contract_no}",
            "0" * 64,
            protect_strokes(store.biometrics, connection, "[]"),
            pdf,
            pdf_sha256,
            at.isoformat(),
        ),
    )
    payload = {
        "branch_id": "BJ-CY01",
        "contract_no": contract_no,
        "reservation_no": f"R-{contract_no}",
        "verification_id": SOAK_VERIFICATION,
        "template": "standard/v1",
        "pdf_sha256": pdf_sha256,
        "pades_level": "B-B",
        "signed_at": at.isoformat(),
    }
    return OutboxEvent("contract.signed", contract_no, payload, at)


def protocol_event(adapter: StoreSyncAdapter, event: OutboxEvent) -> Event:
    """Return ``event`` as the agent uploads it, with its attachments in base64."""
    attachments = {name: base64.b64encode(data).decode("ascii") for name, data in adapter.event_attachments(event).items()}
    return Event(
        event_id=event.event_id,
        event_type=event.event_type,
        aggregate_id=event.aggregate_id,
        created_at=event.created_at,
        payload=event.payload,
        attachments=attachments,
    )


def kiosk_records(adapter: StoreSyncAdapter) -> KioskRecords:
    """Read every outbox event with its content hash, computed as HQ computes it."""
    connection = adapter.database.connection
    adapter.database.owner.check()
    rows = connection.execute(
        "SELECT event_id, event_type, aggregate_id, payload, created_at, sent_at, failed_at FROM outbox ORDER BY rowid"
    ).fetchall()
    events = {}
    sent, failed = set(), set()
    for event_id, event_type, aggregate_id, payload, created_at, sent_at, failed_at in rows:
        event = OutboxEvent(event_type, aggregate_id, json.loads(payload), datetime.fromisoformat(created_at), event_id)
        try:
            content_sha256 = protocol_event(adapter, event).content_sha256()
        except ValidationError:
            # The agent keeps such an event as failed and never sends it.
            content_sha256 = INVALID
        events[event_id] = Record(content_sha256, aggregate_id, event_type, event.created_at.timestamp())
        if sent_at is not None:
            sent.add(event_id)
        if failed_at is not None:
            failed.add(event_id)
    pdfs = {contract_no: pdf_sha256 for contract_no, pdf_sha256 in connection.execute("SELECT contract_no, pdf_sha256 FROM contracts")}
    return KioskRecords(events, frozenset(sent), frozenset(failed), pdfs)


def hq_records(engine: Engine, branch_id: str) -> HqRecords:
    """Read HQ's events of ``branch_id`` and its archived contracts, hashing each stored PDF again."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                hq_events.c.event_id, hq_events.c.content_sha256, hq_events.c.aggregate_id, hq_events.c.event_type, hq_events.c.created_at
            ).where(
                hq_events.c.branch_id == branch_id
            )
        ).all()
        contract_rows = connection.execute(
            select(hq_contracts.c.contract_no, hq_contracts.c.pdf).where(hq_contracts.c.branch_id == branch_id)
        ).all()
    events = {row.event_id: Record(row.content_sha256, row.aggregate_id, row.event_type, _instant(row.created_at)) for row in rows}
    contracts = Counter(row.contract_no for row in contract_rows)
    pdfs = {row.contract_no: hashlib.sha256(row.pdf).hexdigest() for row in contract_rows}
    return HqRecords(events, len(rows), contracts, pdfs)


def _instant(moment: datetime) -> float:
    """Return seconds since the epoch; SQLite returns times without an offset, which HQ writes in UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def assert_sent_only_when_stored(kiosk: KioskRecords, hq: HqRecords, context: str) -> None:
    """Check what must hold at any moment, even right after a fault.

    Every event the kiosk marked sent is at HQ with the same content, HQ has no event
    that the kiosk does not have, and no event is at HQ twice.
    """
    sent_missing = sorted(kiosk.sent - hq.events.keys())
    assert not sent_missing, f"{len(sent_missing)} event(s) marked sent but not at HQ, first {sent_missing[:3]} {context}"
    unknown = sorted(hq.events.keys() - kiosk.events.keys())
    assert not unknown, f"HQ holds {len(unknown)} event(s) the kiosk never queued, first {unknown[:3]} {context}"
    changed = sorted(event_id for event_id, record in hq.events.items() if kiosk.events[event_id] != record)
    assert not changed, f"{len(changed)} event(s) differ between HQ and the kiosk, first {changed[:3]} {context}"
    assert hq.rows == len(hq.events), f"HQ has {hq.rows} rows for {len(hq.events)} event ids {context}"
    doubled = sorted(contract_no for contract_no, count in hq.contracts.items() if count != 1)
    assert not doubled, f"contracts archived more than once at HQ: {doubled[:3]} {context}"


def assert_exactly_once(kiosk: KioskRecords, hq: HqRecords, context: str) -> None:
    """Check the state after a final clean sync: both sides hold the same records, each once, all sent."""
    assert_sent_only_when_stored(kiosk, hq, context)

    kiosk_pairs = {(event_id, record.content_sha256) for event_id, record in kiosk.events.items()}
    hq_pairs = {(event_id, record.content_sha256) for event_id, record in hq.events.items()}
    missing = sorted(event_id for event_id, _ in kiosk_pairs - hq_pairs)
    assert not missing, f"{len(missing)} kiosk event(s) never reached HQ, first {missing[:3]} {context}"
    assert kiosk_pairs == hq_pairs, f"(event_id, content hash) sets differ {context}"

    kiosk_aggregates = Counter(record.aggregate_id for record in kiosk.events.values())
    hq_aggregates = Counter(record.aggregate_id for record in hq.events.values())
    assert kiosk_aggregates == hq_aggregates, f"event counts per aggregate differ {context}"

    unsent = sorted(kiosk.events.keys() - kiosk.sent)
    assert not unsent, f"{len(unsent)} event(s) at HQ but not marked sent at the kiosk, first {unsent[:3]} {context}"
    assert not kiosk.failed, f"{len(kiosk.failed)} event(s) failed {context}"

    signed = {record.aggregate_id for record in kiosk.events.values() if record.event_type == "contract.signed"}
    assert set(hq.contracts) == signed, f"HQ's contracts differ from the kiosk's contract.signed events {context}"
    wrong_pdf = sorted(number for number in signed if hq.contract_pdfs[number] != kiosk.contract_pdfs[number])
    assert not wrong_pdf, f"HQ archived another PDF than the kiosk signed for {wrong_pdf[:3]} {context}"
