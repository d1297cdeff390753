"""The risk step of verification: gather the rules' inputs from the session and the branch cache, decide, and report a check.

The decision record is kept with the verification (same transaction, same outbox
event), and the check it becomes takes part in the verification's decision like any
other: a refusal fails, a clerk review or a supervisor approval sends the rental to
the clerk, and an approval with conditions passes with the conditions in its details.
"""

import logging
from datetime import datetime

from kiosk.checks import Check, Outcome
from kiosk.identity.documents import Identity
from kiosk.identity.licence import in_probation
from kiosk.messages import Message
from kiosk.rental import Reservation
from kiosk.risk.decision import DecisionRecord, RiskDecision, decide
from kiosk.risk.rules import RiskInputs
from kiosk.store.rentals import RentalStore
from kiosk.store.risk_cache import RiskCache

log = logging.getLogger(__name__)

_PASSED = Message("风险评估通过。", "Risk assessment passed.")


def _duplicate_faces(checks: list[Check]) -> tuple[str, ...]:
    duplicate = next((check for check in checks if check.name == "face_duplicate"), None)
    if duplicate is None:
        return ()
    return tuple(str(item["number"]) for item in duplicate.details.get("duplicates", []))


def assess_risk(
    store: RentalStore,
    transaction_id: str,
    branch_id: str,
    identity: Identity,
    reservation: Reservation,
    checks: list[Check],
    now: datetime,
) -> DecisionRecord:
    """Return the risk decision for this rental, from the store's cache and what the session found."""
    cache = RiskCache(store)
    index = store.document_index(identity.number)
    config = cache.config()
    inputs = RiskInputs(
        now=now,
        branch_id=branch_id,
        masked_number=identity.masked_number,
        document_valid_to=identity.valid_to,
        licence_valid_to=reservation.licence.valid_to,
        licence_in_probation=in_probation(reservation.licence, reservation.pickup_at.date()),
        pickup_at=reservation.pickup_at,
        return_at=reservation.return_at,
        vehicle_price_group=reservation.vehicle.price_group,
        completed_rentals=cache.completed_rentals(index),
        blacklist=cache.blacklist(index),
        duplicate_faces=_duplicate_faces(checks),
        visits=cache.visits(index),
        phone_identities=cache.phone_identities(reservation.phone, index),
        national_id_rejections=cache.national_id_rejections(index),
    )
    record = decide(transaction_id, inputs, cache.score(index), config)
    log.info(
        "transaction %s: risk %s, band %s, rules %s, config %s",
        transaction_id, record.decision.value, record.band, [w.rule for w in record.warnings] or "none", record.config_version,
    )
    return record


def risk_check(record: DecisionRecord) -> Check:
    """Return the check that stands for ``record`` in the verification."""
    details = {
        "decision": record.decision.value,
        "band": record.band,
        "score": record.score.points if record.score else None,
        "conditions": list(record.conditions),
        "rules": [warning.rule for warning in record.warnings],
        "config_version": record.config_version,
        "clerk_reasons": [warning.clerk_reason.to_json() for warning in record.warnings],
    }
    reasons = record.customer_reasons()
    if record.decision is RiskDecision.REFUSE:
        return Check("risk", Outcome.FAIL, reasons[0], details)
    if record.decision is RiskDecision.CLERK_REVIEW:
        return Check("risk", Outcome.REVIEW, reasons[0], details)
    return Check("risk", Outcome.PASS, reasons[-1] if record.conditions else _PASSED, details)
