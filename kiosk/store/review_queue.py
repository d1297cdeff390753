"""The clerk review queue: verifications that ended in "clerk review", and the clerk's decision on each.

A decision is an audit entry (``review_approved`` or ``review_refused``, with the
reason as its purpose) and a ``verification.reviewed`` outbox event, written in one
transaction. A verification with such an entry has left the queue. The verification
row itself keeps the decision the session took.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from kiosk.checks import Outcome
from kiosk.errors import CounterSignError
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import append_audit
from kiosk.store.rentals import RentalStore
from sync.outbox import OutboxEvent

log = logging.getLogger(__name__)

REVIEW_ACTIONS = ("review_approved", "review_refused")
QUEUE_PURPOSE = "clerk review queue"


class ReviewNotOpen(CounterSignError):
    message = Message("该核验已处理或不在待审核列表中。", "This verification was already decided or is not waiting for review.")


class ReasonMissing(CounterSignError):
    message = Message("请填写理由。", "Please give a reason.")


@dataclass(frozen=True)
class ReviewItem:
    """One verification waiting for a clerk: when, whose (masked number), and the checks that need a look."""

    verification_id: str
    session_id: str
    created_at: datetime
    reservation_no: str | None
    masked_number: str | None
    reasons: tuple[Message, ...]
    checks: tuple[dict, ...]


def _problem_reasons(checks: list[dict]) -> tuple[Message, ...]:
    """Return the reasons of the checks that are not passed or skipped, failures first."""
    order = (Outcome.FAIL.value, Outcome.REVIEW.value, Outcome.RETRY.value)
    problems = sorted((check for check in checks if check["outcome"] in order), key=lambda check: order.index(check["outcome"]))
    return tuple(Message(check["reason"]["zh"], check["reason"]["en"]) for check in problems)


def review_queue(store: RentalStore, actor: Actor, at: datetime, limit: int = 200) -> list[ReviewItem]:
    """Return the open clerk-review verifications, oldest first, and audit the listing.

    ``actor`` needs READ_PERSONAL_DATA, because the list shows masked ID numbers and
    reservation numbers. Raises :class:`~kiosk.store.accounts.AccessDenied`.
    """
    database = store.database
    require_permission(database, actor, Permission.READ_PERSONAL_DATA, at, "review_queue")
    with database.transaction() as connection:
        rows = connection.execute(
            "SELECT v.verification_id, v.session_id, v.created_at, v.reservation_no, v.checks, c.document_number "
            "FROM verifications v LEFT JOIN customers c USING (customer_id) "
            "WHERE v.decision = 'clerk_review' AND NOT EXISTS ("
            "  SELECT 1 FROM audit_log a WHERE a.subject = 'verification:' || v.verification_id "
            "  AND a.action IN (?, ?)) "
            "ORDER BY julianday(v.created_at), v.rowid LIMIT ?",
            (*REVIEW_ACTIONS, limit),
        ).fetchall()
        append_audit(
            connection, at, actor.account_id, actor.role.value, "list_review_queue", "review_queue", QUEUE_PURPOSE,
            details={"items": len(rows)},
        )
    items = []
    for verification_id, session_id, created_at, reservation_no, checks_json, document_number in rows:
        checks = json.loads(checks_json)
        items.append(
            ReviewItem(
                verification_id=verification_id,
                session_id=session_id,
                created_at=datetime.fromisoformat(created_at),
                reservation_no=reservation_no,
                masked_number=mask_id_number(document_number) if document_number else None,
                reasons=_problem_reasons(checks),
                checks=tuple(checks),
            )
        )
    return items


def decide_review(store: RentalStore, actor: Actor, verification_id: str, approve: bool, reason: str, at: datetime) -> None:
    """Record a clerk's approval or refusal of a verification in clerk review, with the reason.

    ``actor`` needs OVERRIDE_CHECK. Raises :class:`ReasonMissing` for an empty reason,
    :class:`ReviewNotOpen` when the verification is not waiting for review,
    :class:`~kiosk.store.accounts.AccessDenied`, and ``ValueError`` for a reason that
    contains a full ID number.
    """
    database = store.database
    reason = reason.strip()
    if not reason:
        raise ReasonMissing(f"a review decision on verification {verification_id} needs a reason")
    subject = f"verification:{verification_id}"
    require_permission(database, actor, Permission.OVERRIDE_CHECK, at, subject)

    action = REVIEW_ACTIONS[0] if approve else REVIEW_ACTIONS[1]
    with database.transaction() as connection:
        row = connection.execute("SELECT decision FROM verifications WHERE verification_id = ?", (verification_id,)).fetchone()
        decided = connection.execute(
            "SELECT 1 FROM audit_log WHERE subject = ? AND action IN (?, ?)", (subject, *REVIEW_ACTIONS)
        ).fetchone()
        if row is None or row[0] != "clerk_review" or decided is not None:
            raise ReviewNotOpen(f"verification {verification_id} is not waiting for review")
        append_audit(connection, at, actor.account_id, actor.role.value, action, subject, reason)
        store._append_event(
            connection,
            OutboxEvent(
                event_type="verification.reviewed",
                aggregate_id=verification_id,
                created_at=at,
                payload={
                    "verification_id": verification_id,
                    "outcome": "approved" if approve else "refused",
                    "reason": reason,
                    "clerk_id": actor.account_id,
                },
            ),
        )
    log.info("verification %s %s by %s", verification_id, "approved" if approve else "refused", actor.account_id)
