"""Reading reference data and writing rental records, each write with its outbox event.

Document numbers are looked up through a keyed hash (HMAC-SHA256 with a key kept
inside the encrypted store), so the index column gives nothing away on its own.
"""

import base64
import enum
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from kiosk.contracts.drafting import ContractDraft
from kiosk.contracts.pricing import PriceList
from kiosk.contracts.render import Acknowledgement
from kiosk.contracts.timestamps import PendingTimestamp
from kiosk.errors import ReservationTaken
from kiosk.identity.id_number import mask_id_number
from kiosk.identity.documents import Identity
from kiosk.identity.licence import DrivingLicence
from kiosk.identity.verification import VerificationResult
from kiosk.rental import Reservation, Vehicle
from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import append_audit
from kiosk.store.biometrics import BiometricCipher, protect_strokes, protect_template, reveal_template
from kiosk.store.database import Database
from kiosk.store.evidence import ContractReading, append_evidence
from sync.outbox import OutboxEvent

log = logging.getLogger(__name__)

# The newest template withdrawal list the branch accepted (kiosk.contracts.approval.WithdrawalMemory).
_WITHDRAWAL_LIST_KEY = "template_withdrawal_list"
# The outbox attachment of an offline approval; HQ's ingest reads the same name.
NATIONAL_ID_CHECK_ATTACHMENT = "national_id_check"
# The outbox attachment with the document number, for HQ's activity feed; HQ reads the same name.
SUBJECT_ATTACHMENT = "subject"


@dataclass(frozen=True)
class Consent:
    """The customer's answers to the ID-processing and face-processing consents, and when.

    ``id_version`` and ``face_version`` name the texts shown. ``face_version`` is ``None``
    when only one consent was asked, as before the consents were separated.
    """

    id_version: str
    decided_at: datetime
    face_version: str | None = None
    id_given: bool = True
    face_given: bool = False

    def to_json(self) -> dict:
        return {
            "id_processing": {"version": self.id_version, "given": self.id_given},
            "face_processing": {"version": self.face_version, "given": self.face_given},
            "decided_at": self.decided_at.isoformat(),
        }


TEMPLATE_SIZE = 128


class FaceStatus(enum.Enum):
    """Whether face verification ran in a transaction, and how it ended."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"  # the session ended before the face was compared
    WAIVED = "waived"  # a clerk verified the customer another way, with a reason


def face_status_of(result: VerificationResult) -> FaceStatus:
    check = next((check for check in result.checks if check.name == "face_match"), None)
    if check is None:
        return FaceStatus.NOT_RUN
    return FaceStatus.PASSED if check.passed else FaceStatus.FAILED


@dataclass(frozen=True)
class KnownFaces:
    """Stored face templates, one row each, with their owners' document index and masked number."""

    templates: np.ndarray
    owner_ids: list[str]
    masked_numbers: list[str]
    recorded_at: list[str]


@dataclass(frozen=True)
class FaceCoverage:
    """Verifications counted by face status; coverage is the share where the face was compared."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def verified(self) -> int:
        return self.counts.get(FaceStatus.PASSED.value, 0) + self.counts.get(FaceStatus.FAILED.value, 0)

    @property
    def rate(self) -> float | None:
        """Return the share of transactions with face verification, or ``None`` without any."""
        return self.verified / self.total if self.total else None

    def to_json(self) -> dict:
        counts = {status.value: self.counts.get(status.value, 0) for status in FaceStatus}
        return {"transactions": self.total, "face_verified": self.verified, "rate": self.rate, "by_status": counts}


@dataclass(frozen=True)
class StoredContract:
    contract_no: str
    reservation_no: str
    pdf: bytes
    pdf_sha256: str
    signed_at: datetime


def _licence_to_json(licence: DrivingLicence) -> str:
    return json.dumps(
        {
            "number": licence.number,
            "name": licence.name,
            "licence_class": licence.licence_class,
            "first_issue_date": licence.first_issue_date.isoformat(),
            "valid_from": licence.valid_from.isoformat(),
            "valid_to": licence.valid_to.isoformat() if licence.valid_to else None,
        },
        ensure_ascii=False,
    )


def _verification_attachments(identity: Identity | None, approved_offline: bool) -> dict[str, bytes] | None:
    """Return what travels to HQ beside a verification event, outside its stored payload.

    ``subject`` carries the document number for HQ's activity feed across branches.
    ``national_id_check``, for an offline approval, carries the name and number that HQ's
    re-check asks the national service about.
    """
    if identity is None:
        return None
    attachments = {SUBJECT_ATTACHMENT: json.dumps({"document_number": identity.number}).encode("utf-8")}
    if approved_offline:
        request = {"name": identity.name, "number": identity.number}
        attachments[NATIONAL_ID_CHECK_ATTACHMENT] = json.dumps(request, ensure_ascii=False).encode("utf-8")
    return attachments


def _licence_from_json(text: str) -> DrivingLicence:
    data = json.loads(text)
    return DrivingLicence(
        number=data["number"],
        name=data["name"],
        licence_class=data["licence_class"],
        first_issue_date=date.fromisoformat(data["first_issue_date"]),
        valid_from=date.fromisoformat(data["valid_from"]),
        valid_to=date.fromisoformat(data["valid_to"]) if data["valid_to"] else None,
    )


class RentalStore:
    """The rental records of one branch; every method must run on the store's owner thread."""

    def __init__(self, database: Database, biometrics: BiometricCipher | None = None) -> None:
        """``biometrics`` encrypts face templates and signature strokes (:mod:`kiosk.store.biometrics`)."""
        self.database = database
        self.biometrics = biometrics
        if biometrics is not None:
            biometrics.bind(database.connection)
        self._index_key = self._load_or_create_index_key()

    def _load_or_create_index_key(self) -> bytes:
        # TODO: headquarters must hand out one index key for all branches before
        # branches can match documents against shared lists such as the blacklist.
        connection = self.database.connection
        row = connection.execute("SELECT value FROM store_meta WHERE name = 'document_index_key'").fetchone()
        if row:
            return bytes(row[0])
        key = secrets.token_bytes(32)
        with self.database.transaction():
            connection.execute("INSERT INTO store_meta (name, value) VALUES ('document_index_key', ?)", (key,))
        return key

    def document_index(self, document_number: str) -> str:
        """Return the keyed hash under which a document number is indexed."""
        return hmac.new(self._index_key, document_number.encode("utf-8"), hashlib.sha256).hexdigest()

    # Reference data -------------------------------------------------------------

    def put_vehicle(self, vehicle: Vehicle) -> None:
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO vehicles VALUES (?, ?, ?, ?, ?, ?)",
                (
                    vehicle.vehicle_id,
                    vehicle.plate,
                    vehicle.model_zh,
                    vehicle.model_en,
                    vehicle.licence_class_required,
                    vehicle.price_group,
                ),
            )

    def put_price_list(self, price_list: PriceList) -> None:
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO price_lists VALUES (?, ?)",
                (price_list.version, json.dumps(price_list.to_json(), ensure_ascii=False)),
            )

    def put_reservation(self, reservation: Reservation) -> None:
        """Store a reservation (its vehicle and price list must be stored already)."""
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO reservations "
                "(reservation_no, document_index, document_number, customer_name, phone, vehicle_id, "
                " pickup_at, return_at, licence, price_list_version, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked')",
                (
                    reservation.reservation_no,
                    self.document_index(reservation.document_number),
                    reservation.document_number,
                    reservation.customer_name,
                    reservation.phone,
                    reservation.vehicle.vehicle_id,
                    reservation.pickup_at.isoformat(),
                    reservation.return_at.isoformat(),
                    _licence_to_json(reservation.licence),
                    reservation.price_list_version,
                ),
            )

    def supersede_open_reservations(self, document_number: str) -> int:
        """Mark every open reservation of a document as superseded; return how many."""
        self.database.owner.check()
        with self.database.transaction() as connection:
            cursor = connection.execute(
                "UPDATE reservations SET status = 'superseded' WHERE document_index = ? AND status = 'booked'",
                (self.document_index(document_number),),
            )
        return cursor.rowcount

    def price_list(self, version: str) -> PriceList:
        """Return a stored price list; raises ``KeyError`` when absent."""
        self.database.owner.check()
        row = self.database.connection.execute("SELECT document FROM price_lists WHERE version = ?", (version,)).fetchone()
        if row is None:
            raise KeyError(f"price list {version}")
        return PriceList.from_json(json.loads(row[0]))

    def find_reservation(self, document_number: str) -> Reservation | None:
        """Return the earliest open reservation for a document number, or ``None``."""
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT r.reservation_no, r.customer_name, r.document_number, r.phone, r.pickup_at, r.return_at, "
            "       r.licence, r.price_list_version, v.vehicle_id, v.plate, v.model_zh, v.model_en, "
            "       v.licence_class_required, v.price_group "
            "FROM reservations r JOIN vehicles v USING (vehicle_id) "
            "WHERE r.document_index = ? AND r.status = 'booked' ORDER BY r.pickup_at LIMIT 1",
            (self.document_index(document_number),),
        ).fetchone()
        if row is None:
            return None
        vehicle = Vehicle(row[8], row[9], row[10], row[11], row[12], row[13])
        return Reservation(
            reservation_no=row[0],
            customer_name=row[1],
            document_number=row[2],
            phone=row[3],
            vehicle=vehicle,
            pickup_at=datetime.fromisoformat(row[4]),
            return_at=datetime.fromisoformat(row[5]),
            licence=_licence_from_json(row[6]),
            price_list_version=row[7],
        )

    # Rental records -------------------------------------------------------------

    def reserve_contract_number(self, branch_id: str, day: date) -> str:
        """Reserve and return the next number of the form ``<branch>-<YYYYMMDD>-<NNNN>``.

        The day's counter is raised in its own write transaction, so two sessions, even
        in two processes, never get the same number. A session that ends unsigned leaves
        a gap in the sequence, as paper contract books do with a voided form.
        """
        self.database.owner.check()
        prefix = f"{branch_id}-{day:%Y%m%d}-"
        counter = f"contract_sequence:{prefix}"
        with self.database.transaction() as connection:
            row = connection.execute("SELECT value FROM store_meta WHERE name = ?", (counter,)).fetchone()
            stored = connection.execute(
                "SELECT max(CAST(substr(contract_no, ?) AS INTEGER)) FROM contracts WHERE contract_no LIKE ? || '%'",
                (len(prefix) + 1, prefix),
            ).fetchone()[0]
            sequence = max(int(row[0]) if row else 0, stored or 0) + 1
            connection.execute("INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, ?)", (counter, sequence))
        return f"{prefix}{sequence:04d}"

    def _upsert_customer(self, connection, identity: Identity, phone: str, at: datetime) -> int:
        index = self.document_index(identity.number)
        connection.execute(
            "INSERT INTO customers (document_type, document_index, document_number, name, sex, birth_date, "
            " address, phone, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (document_index) DO UPDATE SET name = excluded.name, address = excluded.address, "
            " phone = excluded.phone, last_seen_at = excluded.last_seen_at",
            (
                identity.document_type.value,
                index,
                identity.number,
                identity.name,
                identity.sex,
                identity.birth_date.isoformat(),
                identity.address,
                phone,
                at.isoformat(),
                at.isoformat(),
            ),
        )
        return connection.execute("SELECT customer_id FROM customers WHERE document_index = ?", (index,)).fetchone()[0]

    def record_verification(
        self,
        verification_id: str,
        session_id: str,
        branch_id: str,
        identity: Identity | None,
        reservation: Reservation | None,
        result: VerificationResult,
        at: datetime,
        consent: Consent | None = None,
        risk: dict | None = None,
    ) -> None:
        """Store a verification and its outbox event in one transaction, whatever the decision.

        ``risk`` is the risk layer's decision record (its JSON); it is kept in
        ``risk_decisions`` under the verification id and travels to HQ in the event.

        An approval made without the national ID check (``result.approved_offline``)
        sends the name and number with the event, in the ``national_id_check``
        attachment, so that HQ re-checks them.
        """
        self.database.owner.check()
        with self.database.transaction() as connection:
            customer_id = None
            if identity is not None:
                phone = reservation.phone if reservation else ""
                customer_id = self._upsert_customer(connection, identity, phone, at)
            connection.execute(
                "INSERT INTO verifications (verification_id, session_id, customer_id, reservation_no, decision, "
                " checks, created_at, consent_version, consent_at, face_status, id_consent_given, face_consent_version,"
                " face_consent_given) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    verification_id,
                    session_id,
                    customer_id,
                    reservation.reservation_no if reservation else None,
                    result.decision.value,
                    json.dumps(result.to_json()["checks"], ensure_ascii=False),
                    at.isoformat(),
                    consent.id_version if consent else None,
                    consent.decided_at.isoformat() if consent else None,
                    face_status_of(result).value,
                    consent.id_given if consent else None,
                    consent.face_version if consent else None,
                    consent.face_given if consent else None,
                ),
            )
            self._append_event(
                connection,
                OutboxEvent(
                    event_type="verification.recorded",
                    aggregate_id=verification_id,
                    created_at=at,
                    payload={
                        "branch_id": branch_id,
                        "session_id": session_id,
                        "reservation_no": reservation.reservation_no if reservation else None,
                        "document_index": self.document_index(identity.number) if identity else None,
                        "consent": consent.to_json() if consent else None,
                        "verification": result.to_json(),
                        "risk": risk,
                    },
                ),
                _verification_attachments(identity, result.approved_offline),
            )
            if risk is not None:
                connection.execute(
                    "INSERT INTO risk_decisions (transaction_id, decision, config_version, record, decided_at) VALUES (?, ?, ?, ?, ?)",
                    (verification_id, risk["decision"], risk["config_version"], json.dumps(risk, ensure_ascii=False), risk["decided_at"]),
                )
        log.info("session %s: verification %s stored, decision %s", session_id, verification_id, result.decision.value)

    def save_signed_contract(
        self,
        branch_id: str,
        verification_id: str,
        identity: Identity,
        reservation: Reservation,
        draft: ContractDraft,
        acknowledgements: list[Acknowledgement],
        signature_strokes: dict,
        pdf: bytes,
        signer_subject: str,
        signed_at: datetime,
        reading: ContractReading | None = None,
        pades_level: str = "B-B",
        pending_timestamp: PendingTimestamp | None = None,
    ) -> StoredContract:
        """Store the sealed contract and its evidence record, close the reservation and queue the events, atomically.

        ``reading`` is how the customer read the contract; without it the reading time
        and the tick times are stored as not measured. The evidence record chains the
        contract to the branch's previous one (:mod:`kiosk.store.evidence`), and the
        ``contract.signed`` event carries its hash to headquarters. ``pending_timestamp``,
        set when the seal was made without the timestamp authority, queues a second event
        in the same transaction, so that the B-T upgrade is never lost.
        """
        self.database.owner.check()
        pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        reading = reading or ContractReading()
        acknowledged = [
            {
                "clause": acknowledgement.clause_id,
                "at": acknowledgement.at.isoformat(),
                "ticked_after_seconds": reading.ticked_after_seconds.get(acknowledgement.clause_id),
            }
            for acknowledgement in acknowledgements
        ]
        with self.database.transaction() as connection:
            customer_id = self._upsert_customer(connection, identity, reservation.phone, signed_at)
            connection.execute(
                "INSERT INTO contracts (contract_no, verification_id, customer_id, reservation_no, template_id, "
                " template_version, template_sha256, fields, acknowledgements, signature_strokes, pdf, pdf_sha256, "
                " signer_subject, signed_at, reading_seconds, pades_level) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.contract_number,
                    verification_id,
                    customer_id,
                    reservation.reservation_no,
                    draft.template_id,
                    draft.template_version,
                    draft.template_sha256,
                    json.dumps(draft.fields_json(), ensure_ascii=False),
                    json.dumps(acknowledged),
                    # Encrypted under the biometric key; the evidence digest reads them back decrypted.
                    protect_strokes(self.biometrics, connection, json.dumps(signature_strokes)),
                    pdf,
                    pdf_sha256,
                    signer_subject,
                    signed_at.isoformat(),
                    reading.reading_seconds,
                    pades_level,
                ),
            )
            evidence = append_evidence(connection, branch_id, draft.contract_number)
            picked_up = connection.execute(
                "UPDATE reservations SET status = 'picked_up' WHERE reservation_no = ? AND status = 'booked'",
                (reservation.reservation_no,),
            )
            if picked_up.rowcount != 1:
                raise ReservationTaken(f"reservation {reservation.reservation_no} is no longer open; contract not stored")
            self._append_event(
                connection,
                OutboxEvent(
                    event_type="contract.signed",
                    aggregate_id=draft.contract_number,
                    created_at=signed_at,
                    payload={
                        "branch_id": branch_id,
                        "contract_no": draft.contract_number,
                        "reservation_no": reservation.reservation_no,
                        "verification_id": verification_id,
                        "template": f"{draft.template_id}/v{draft.template_version}",
                        "template_sha256": draft.template_sha256,
                        "pdf_sha256": pdf_sha256,
                        "pades_level": pades_level,
                        "signed_at": signed_at.isoformat(),
                        "evidence": {
                            "sequence": evidence.sequence,
                            "previous_hash": evidence.previous_hash,
                            "record_hash": evidence.record_hash,
                        },
                    },
                ),
            )
            if pending_timestamp is not None:
                self._append_event(
                    connection,
                    OutboxEvent(
                        event_type=pending_timestamp.event_type,
                        aggregate_id=draft.contract_number,
                        # In the branch's zone like every outbox time, so that the times sort.
                        created_at=pending_timestamp.failed_at.astimezone(signed_at.tzinfo),
                        payload=pending_timestamp.payload(draft.contract_number),
                    ),
                )
        log.info(
            "contract %s stored (%d bytes, sha256 %s, PAdES %s), evidence record %d of branch %s",
            draft.contract_number,
            len(pdf),
            pdf_sha256[:12],
            pades_level,
            evidence.sequence,
            branch_id,
        )
        return StoredContract(draft.contract_number, reservation.reservation_no, pdf, pdf_sha256, signed_at)

    def contract(self, contract_no: str) -> StoredContract | None:
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT contract_no, reservation_no, pdf, pdf_sha256, signed_at FROM contracts WHERE contract_no = ?",
            (contract_no,),
        ).fetchone()
        if row is None:
            return None
        return StoredContract(row[0], row[1], bytes(row[2]), row[3], datetime.fromisoformat(row[4]))

    # Face templates and coverage ---------------------------------------------------

    def save_face_template(self, identity: Identity, descriptor: np.ndarray, verification_id: str, at: datetime) -> None:
        """Keep the face template of a verified customer, for the duplicate-identity search.

        The customer row must exist (a stored verification creates it). The template is
        the 128-value descriptor as float32, which cannot be turned back into an image.
        """
        # NOTE: templates have no retention limit yet.
        self.database.owner.check()
        vector = np.asarray(descriptor, dtype=np.float32)
        if vector.shape != (TEMPLATE_SIZE,):
            raise ValueError(f"a face template has {TEMPLATE_SIZE} values, not shape {vector.shape}")
        with self.database.transaction() as connection:
            row = connection.execute(
                "SELECT customer_id FROM customers WHERE document_index = ?", (self.document_index(identity.number),)
            ).fetchone()
            if row is None:
                raise KeyError(f"no customer {identity.masked_number}; store the verification first")
            connection.execute(
                "INSERT INTO face_templates (customer_id, verification_id, template, created_at) VALUES (?, ?, ?, ?)",
                (row[0], verification_id, protect_template(self.biometrics, connection, vector.tobytes()), at.isoformat()),
            )

    def face_templates(self) -> KnownFaces:
        """Return every stored template with its owner, for a vectorised search."""
        self.database.owner.check()
        rows = self.database.connection.execute(
            "SELECT t.template, c.document_index, c.document_number, t.created_at "
            "FROM face_templates t JOIN customers c USING (customer_id) ORDER BY t.template_id"
        ).fetchall()
        if not rows:
            return KnownFaces(np.zeros((0, TEMPLATE_SIZE), dtype=np.float32), [], [], [])
        return KnownFaces(
            templates=np.stack(
                [np.frombuffer(reveal_template(self.biometrics, bytes(row[0])), dtype=np.float32) for row in rows]
            ),
            owner_ids=[row[1] for row in rows],
            masked_numbers=[mask_id_number(row[2]) for row in rows],
            recorded_at=[row[3] for row in rows],
        )

    def waive_face_verification(self, verification_id: str, reason: str, clerk: Actor | str, at: datetime) -> None:
        """Record that a clerk waived face verification, with the reason, tell headquarters and audit it.

        ``clerk`` is the signed-in :class:`Actor`, who needs OVERRIDE_CHECK, or a bare
        clerk id from a caller without sign-in, audited with the role "unverified".
        Raises ``ValueError`` for an empty reason or one containing a full ID number.
        """
        self.database.owner.check()
        if not reason.strip():
            raise ValueError("a face verification waiver needs a reason")
        # NOTE: the bare clerk id is accepted until the counter screens sign clerks in.
        if isinstance(clerk, Actor):
            require_permission(self.database, clerk, Permission.OVERRIDE_CHECK, at, f"verification:{verification_id}")
            clerk_id, clerk_role = clerk.account_id, clerk.role.value
        else:
            clerk_id, clerk_role = clerk, "unverified"
        with self.database.transaction() as connection:
            append_audit(
                connection, at, clerk_id, clerk_role, "face_waived", f"verification:{verification_id}", purpose=reason.strip()
            )
            updated = connection.execute(
                "UPDATE verifications SET face_status = ?, face_waiver_reason = ? WHERE verification_id = ?",
                (FaceStatus.WAIVED.value, reason.strip(), verification_id),
            )
            if updated.rowcount != 1:
                raise KeyError(f"no verification {verification_id}")
            self._append_event(
                connection,
                OutboxEvent(
                    event_type="verification.face_waived",
                    aggregate_id=verification_id,
                    created_at=at,
                    payload={"verification_id": verification_id, "reason": reason.strip(), "clerk_id": clerk_id},
                ),
            )

    def face_coverage(self, since: datetime | None = None) -> FaceCoverage:
        """Count verifications by face status since ``since`` (all of them without it); ``since`` must be aware."""
        self.database.owner.check()
        rows = self.database.connection.execute(
            "SELECT coalesce(face_status, 'not_run'), count(*) FROM verifications "
            "WHERE ? IS NULL OR julianday(created_at) >= julianday(?) GROUP BY 1",
            (since.isoformat() if since else None, since.isoformat() if since else None),
        ).fetchall()
        return FaceCoverage({status: count for status, count in rows})

    # Outbox --------------------------------------------------------------------

    def _append_event(self, connection, event: OutboxEvent, attachments: dict[str, bytes] | None = None) -> None:
        """Queue ``event`` in the caller's transaction; ``attachments`` travel with it to HQ."""
        connection.execute(
            "INSERT INTO outbox (event_id, event_type, aggregate_id, payload, created_at, attachments) VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.event_id,
                event.event_type,
                event.aggregate_id,
                event.payload_json(),
                event.created_at.isoformat(),
                json.dumps({name: base64.b64encode(data).decode("ascii") for name, data in attachments.items()}) if attachments else None,
            ),
        )

    def recall_withdrawal_list(self) -> bytes | None:
        """Return the newest template withdrawal list accepted at this branch, or ``None``."""
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT value FROM store_meta WHERE name = ?", (_WITHDRAWAL_LIST_KEY,)
        ).fetchone()
        return bytes(row[0]) if row is not None else None

    def remember_withdrawal_list(self, raw: bytes) -> None:
        """Keep ``raw``, a verified withdrawal list newer than the one kept so far."""
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, ?)", (_WITHDRAWAL_LIST_KEY, raw)
            )
        log.info("template withdrawal list kept in the store (%d bytes)", len(raw))

    def pending_events(self, limit: int = 100) -> list[OutboxEvent]:
        """Return up to ``limit`` unsent events, oldest first."""
        self.database.owner.check()
        rows = self.database.connection.execute(
            "SELECT event_id, event_type, aggregate_id, payload, created_at FROM outbox "
            "WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY created_at, rowid LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            OutboxEvent(
                event_type=row[1],
                aggregate_id=row[2],
                payload=json.loads(row[3]),
                created_at=datetime.fromisoformat(row[4]),
                event_id=row[0],
            )
            for row in rows
        ]

    def mark_sent(self, event_ids: list[str], sent_at: datetime) -> None:
        self.database.owner.check()
        with self.database.transaction() as connection:
            connection.executemany(
                "UPDATE outbox SET sent_at = ? WHERE event_id = ? AND sent_at IS NULL",
                [(sent_at.isoformat(), event_id) for event_id in event_ids],
            )
