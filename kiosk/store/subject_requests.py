"""A customer's requests about their data under PIPL: a copy of everything held, and deletion.

The customer is found through the keyed document index, never by scanning numbers.
Deletion removes what no retention duty covers: face templates, verifications that
led to no contract, and reservations never picked up. Signed contracts, the
verifications and reservations they rest on, their evidence records and the customer
row they name are kept, because PIPL article 47 ends the duty to delete while a
retention period set by law has not expired. Every request is audited with its outcome.
"""

import base64
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import append_audit
from kiosk.store.biometrics import is_sealed_template
from kiosk.store.personal_data import CUSTOMER_COLUMNS, CustomerProfile
from kiosk.store.rentals import RentalStore

log = logging.getLogger(__name__)

# Version of the export bundle's layout; a change to it needs a new number.
EXPORT_FORMAT = 1

CONTRACT_RETENTION = Message(
    "已签合同及其核验、预订和证据记录须依法保存；根据《个人信息保护法》第四十七条，法律、行政法规规定的保存期限未届满的，"
    "停止存储和必要安全保护以外的处理，不予删除。",
    "Signed contracts and the verification, reservation and evidence records behind them are kept: under article 47 of "
    "the Personal Information Protection Law, data whose retention period set by law has not expired is not deleted, "
    "and only storage and necessary security measures continue.",
)


@dataclass(frozen=True)
class SubjectExport:
    """A copy of everything the store contains about one customer, as a JSON-ready bundle."""

    masked_number: str
    customer_id: int | None
    bundle: dict

    @property
    def found(self) -> bool:
        return any(self.bundle[name] for name in ("customer", "reservations", "verifications", "face_templates", "contracts"))

    def summary(self) -> dict:
        return {
            "subject": self.masked_number,
            "customer_id": self.customer_id,
            "found": self.found,
            "reservations": len(self.bundle["reservations"]),
            "verifications": len(self.bundle["verifications"]),
            "face_templates": len(self.bundle["face_templates"]),
            "contracts": len(self.bundle["contracts"]),
        }


@dataclass(frozen=True)
class SubjectDeletion:
    """What a deletion request removed, and what it kept with the legal reason."""

    masked_number: str
    customer_id: int | None
    deleted: dict[str, int]
    kept_contracts: list[str] = field(default_factory=list)
    customer_row_deleted: bool = False

    @property
    def outcome(self) -> str:
        if self.customer_id is None and not any(self.deleted.values()):
            return "not_found"
        return "partial" if self.kept_contracts else "deleted"

    def to_json(self) -> dict:
        return {
            "subject": self.masked_number,
            "customer_id": self.customer_id,
            "outcome": self.outcome,
            "deleted": dict(self.deleted),
            "customer_row_deleted": self.customer_row_deleted,
            "kept": {"contracts": list(self.kept_contracts), "reason": CONTRACT_RETENTION.to_json()} if self.kept_contracts else None,
        }


def _rows_as_dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _subject(customer_id: int | None, masked_number: str) -> str:
    return f"customer:{customer_id}" if customer_id is not None else masked_number


def export_subject_data(store: RentalStore, actor: Actor, document_number: str, purpose: str, at: datetime) -> SubjectExport:
    """Collect everything held about the holder of ``document_number``, and audit the export.

    ``actor`` needs HANDLE_SUBJECT_REQUESTS. Contract PDFs and face templates are
    included as base64. Rows of other customers are never included: each query is
    keyed on this customer's id, document index or reservation numbers.
    """
    database = store.database
    masked = mask_id_number(document_number)
    require_permission(database, actor, Permission.HANDLE_SUBJECT_REQUESTS, at, masked)
    index = store.document_index(document_number)

    with database.transaction() as connection:
        row = connection.execute(f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE document_index = ?", (index,)).fetchone()
        customer = CustomerProfile(*row) if row else None
        customer_id = customer.customer_id if customer else None

        reservations = _rows_as_dicts(
            connection.execute(
                "SELECT reservation_no, document_number, customer_name, phone, vehicle_id, pickup_at, return_at, licence, "
                " price_list_version, status FROM reservations WHERE document_index = ? ORDER BY pickup_at",
                (index,),
            )
        )
        for reservation in reservations:
            reservation["licence"] = json.loads(reservation["licence"])
        verifications = _rows_as_dicts(
            connection.execute(
                "SELECT verification_id, session_id, reservation_no, decision, checks, created_at, consent_version, "
                " consent_at, id_consent_given, face_consent_version, face_consent_given, face_status, face_waiver_reason "
                "FROM verifications WHERE customer_id = ? ORDER BY created_at",
                (customer_id,),
            )
        )
        for verification in verifications:
            verification["checks"] = json.loads(verification["checks"])
        templates = _rows_as_dicts(
            connection.execute(
                "SELECT template_id, verification_id, template, created_at FROM face_templates WHERE customer_id = ? ORDER BY template_id",
                (customer_id,),
            )
        )
        for template in templates:
            stored = bytes(template.pop("template"))
            # The customer gets the template itself, not the ciphertext it is kept as.
            plain = store.biometrics.open_template(stored) if store.biometrics and is_sealed_template(stored) else stored
            template["template_float32_base64"] = base64.b64encode(plain).decode("ascii")
        contracts = _rows_as_dicts(
            connection.execute(
                "SELECT contract_no, reservation_no, verification_id, template_id, template_version, fields, acknowledgements, "
                " reading_seconds, signature_strokes, pdf, pdf_sha256, pades_level, signed_at FROM contracts "
                "WHERE customer_id = ? ORDER BY signed_at",
                (customer_id,),
            )
        )
        for contract in contracts:
            for name in ("fields", "acknowledgements", "signature_strokes"):
                contract[name] = json.loads(contract[name])
            contract["pdf_base64"] = base64.b64encode(bytes(contract.pop("pdf"))).decode("ascii")

        bundle = {
            "format": EXPORT_FORMAT,
            "generated_at": at.isoformat(),
            "subject": masked,
            "customer": customer.to_json() if customer else None,
            "reservations": reservations,
            "verifications": verifications,
            "face_templates": templates,
            "contracts": contracts,
        }
        export = SubjectExport(masked, customer_id, bundle)
        append_audit(
            connection, at, actor.account_id, actor.role.value, "subject_export", _subject(customer_id, masked), purpose.strip() or None,
            outcome="exported" if export.found else "not_found", details={key: value for key, value in export.summary().items() if key != "subject"},
        )
    # NOTE: events already queued for headquarters are not part of the export; headquarters is responsible for its own copy.
    log.info("subject export of %s by %s: %s", masked, actor.account_id, export.summary())
    return export


def delete_subject_data(store: RentalStore, actor: Actor, document_number: str, at: datetime) -> SubjectDeletion:
    """Delete what the law allows about the holder of ``document_number``, and audit the outcome.

    ``actor`` needs HANDLE_SUBJECT_REQUESTS. Removes the customer's face templates,
    verifications that no contract rests on and reservations never picked up; removes
    the customer row too when no contract names the customer. Everything runs in one
    transaction, so a failure deletes nothing.
    """
    database = store.database
    masked = mask_id_number(document_number)
    require_permission(database, actor, Permission.HANDLE_SUBJECT_REQUESTS, at, masked)
    index = store.document_index(document_number)

    with database.transaction() as connection:
        row = connection.execute("SELECT customer_id FROM customers WHERE document_index = ?", (index,)).fetchone()
        customer_id = row[0] if row else None
        kept_contracts = [
            number
            for (number,) in connection.execute(
                "SELECT contract_no FROM contracts WHERE customer_id = ? ORDER BY contract_no", (customer_id,)
            )
        ]

        deleted = {
            "face_templates": connection.execute("DELETE FROM face_templates WHERE customer_id = ?", (customer_id,)).rowcount,
            "verifications": connection.execute(
                "DELETE FROM verifications WHERE customer_id = ? AND verification_id NOT IN (SELECT verification_id FROM contracts)",
                (customer_id,),
            ).rowcount,
            "reservations": connection.execute(
                "DELETE FROM reservations WHERE document_index = ? AND reservation_no NOT IN (SELECT reservation_no FROM contracts)",
                (index,),
            ).rowcount,
        }
        customer_row_deleted = False
        if customer_id is not None and not kept_contracts:
            connection.execute("DELETE FROM customers WHERE customer_id = ?", (customer_id,))
            customer_row_deleted = True

        result = SubjectDeletion(masked, customer_id, deleted, kept_contracts, customer_row_deleted)
        append_audit(
            connection, at, actor.account_id, actor.role.value, "subject_delete", _subject(customer_id, masked),
            "data subject's deletion request", outcome=result.outcome,
            details={"deleted": deleted, "customer_row_deleted": customer_row_deleted, "kept_contracts": len(kept_contracts)},
        )
    # NOTE: verification events already queued for headquarters stay in the outbox; headquarters must delete its copy.
    log.info("subject deletion of %s by %s: %s", masked, actor.account_id, result.to_json())
    return result
