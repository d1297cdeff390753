"""What a clerk may do to a rental session at the counter: type the licence, and override a face or risk check.

Policy: only the face checks of the verification step (``face_match`` and
``face_duplicate``) may be overridden, because a clerk can compare the person with the
card in hand, and the risk check when its rules ask for a clerk's review or a
supervisor's approval (never a refusal, such as the blacklist). A document, age,
licence or contract check is never overridden. An
override needs a reason and a second person, a supervisor, who signs in with their own
account and PIN. It is recorded through the face-waiver path
(:meth:`RentalStore.waive_face_verification`, which audits it and queues an event for HQ) and audited
again as ``check_overridden`` under the clerk's name.

NOTE: these functions set the session's reservation, checks and stage from outside
:class:`RentalSession`; they belong in the machine as methods once its pending
changes are in.
"""

import logging
from dataclasses import replace

from kiosk.checks import Check, Outcome
from kiosk.errors import CounterSignError, SessionStateError
from kiosk.identity.licence import DrivingLicence
from kiosk.identity.national_id import check_national_id
from kiosk.identity.verification import Decision, VerificationResult
from kiosk.messages import Message
from kiosk.risk.config import Action
from kiosk.risk.decision import DecisionRecord, Override, with_override
from kiosk.session.machine import RentalSession
from kiosk.session.risk_step import risk_check
from kiosk.session.stages import Stage, StageRecord
from kiosk.store.accounts import AccessDenied, AccountStore, Actor, Role
from kiosk.store.audit import append_audit
from kiosk.store.review_queue import ReasonMissing, decide_review
from kiosk.store.risk_cache import RiskCache

log = logging.getLogger(__name__)

FACE_CHECKS = frozenset({"face_match", "face_duplicate"})
RISK_CHECK = "risk"
OVERRIDABLE_CHECKS = FACE_CHECKS | {RISK_CHECK}
_PROBLEMS = (Outcome.FAIL, Outcome.REVIEW, Outcome.RETRY)


class OverrideNotAllowed(CounterSignError):
    message = Message(
        "按规定，此项核验不能人工放行。",
        "Policy does not allow this check to be overridden.",
    )


class SupervisorRequired(AccessDenied):
    message = Message(
        "放行须由另一位主管以自己的账户和 PIN 码确认。",
        "An override must be confirmed by a different person, a supervisor, with their own account and PIN.",
    )


def use_typed_licence(session: RentalSession, licence: DrivingLicence, clerk: Actor) -> None:
    """Use a licence the clerk typed (validated by :func:`licence_from_fields`) for the licence step.

    The licence step then checks it against the card and the rental, as it checks a
    booked licence. Must run in stage LICENCE, on the store's thread; raises
    :class:`SessionStateError` in any other stage.
    """
    if session.stage is not Stage.LICENCE or session.reservation is None:
        raise SessionStateError(f"a typed licence needs stage licence, not {session.stage.value}")
    session.reservation = replace(session.reservation, licence=licence)
    database = session.services.store.database
    with database.transaction() as connection:
        append_audit(
            connection, session.services.clock(), clerk.account_id, clerk.role.value, "licence_typed",
            f"session:{session.session_id}", details={"licence_class": licence.licence_class},
        )
    log.info("session %s: clerk %s typed the licence (class %s)", session.session_id, clerk.account_id, licence.licence_class)


def overridable_problems(session: RentalSession) -> list[Check]:
    """Return the checks a supervisor may override to let the session go on, or an empty list.

    That is the case when the verification step ended the session and every check that
    did not pass is one of OVERRIDABLE_CHECKS.
    """
    record = session.last_record
    if session.stage not in (Stage.REFUSED, Stage.CLERK_REVIEW) or session.verification is None or record is None:
        return []
    if record.stage is not Stage.VERIFICATION:
        return []
    problems = [check for check in session.verification.checks if check.outcome in _PROBLEMS]
    if not problems or any(check.name not in OVERRIDABLE_CHECKS for check in problems):
        return []
    if any(check.name == RISK_CHECK and check.outcome is not Outcome.REVIEW for check in problems):
        return []
    return problems


def override_checks(
    session: RentalSession,
    accounts: AccountStore,
    clerk: Actor,
    supervisor_id: str,
    supervisor_pin: str,
    reason: str,
) -> StageRecord:
    """Override the session's face checks with a supervisor's approval and go on to the contract.

    The supervisor signs in here (an audited sign-in that counts wrong PINs). The
    overridden checks stay in the result as passed, with their figures, the original
    outcome and who approved. The national ID check is then asked as after any
    approval, and its failure still stops the session. Raises :class:`ReasonMissing`,
    :class:`OverrideNotAllowed`, :class:`SupervisorRequired` and the sign-in errors of
    :meth:`AccountStore.authenticate`.
    """
    reason = reason.strip()
    if not reason:
        raise ReasonMissing(f"an override in session {session.session_id} needs a reason")
    problems = overridable_problems(session)
    if not problems:
        raise OverrideNotAllowed(f"session {session.session_id} in stage {session.stage.value} has no check that may be overridden")

    services = session.services
    store = services.store
    now = services.clock()
    supervisor = accounts.authenticate(supervisor_id, supervisor_pin, now)
    if supervisor.role is not Role.SUPERVISOR or supervisor.account_id == clerk.account_id:
        log.warning("session %s: override rejected: account %s is not a second person with the supervisor role", session.session_id, supervisor.account_id)
        raise SupervisorRequired(f"account {supervisor.account_id} ({supervisor.role.value}) cannot approve an override by {clerk.account_id}")

    names = [check.name for check in problems]
    stored_decision = session.verification.decision
    if any(name in FACE_CHECKS for name in names):
        store.waive_face_verification(session.verification_id, reason, supervisor, now)
    risk = _override_risk(session, clerk, supervisor, reason, now) if session.risk_record is not None else None
    if stored_decision is Decision.CLERK_REVIEW:
        decide_review(store, clerk, session.verification_id, True, reason, now)
    with store.database.transaction() as connection:
        append_audit(
            connection, now, clerk.account_id, clerk.role.value, "check_overridden", f"verification:{session.verification_id}",
            reason, details={"checks": names, "approved_by": supervisor.account_id},
        )
    log.info("session %s: %s overridden by %s, approved by %s", session.session_id, ", ".join(names), clerk.account_id, supervisor.account_id)

    overridden = {check.name for check in problems} - {RISK_CHECK}
    session.checks = [_overridden(check, supervisor.account_id) if check.name in overridden else check for check in session.checks]
    if risk is not None:
        session.checks = [risk_check(risk) if check.name == RISK_CHECK else check for check in session.checks]
    assert session.identity is not None
    national = check_national_id(session.identity, services.national_id, session.verification_id)
    session.checks.append(national)
    session.verification = VerificationResult(tuple(session.checks))
    if session.verification.decision is not Decision.APPROVED:
        problem = session.verification.first_problem
        assert problem is not None
        next_stage = Stage.REFUSED if session.verification.decision is Decision.REFUSED else Stage.CLERK_REVIEW
        return session._record(problem.outcome, problem.reason, next_stage)
    return session._record(
        Outcome.PASS,
        Message("主管已核准人工核验，继续办理合同。", "A supervisor approved the in-person check; the contract comes next."),
        Stage.CONTRACT,
    )


# The risk rule that repeats what a face check found; overriding the check overrides the rule.
_RULE_OF_CHECK = {"face_duplicate": "duplicate_face"}


def _override_risk(session: RentalSession, clerk: Actor, supervisor: Actor, reason: str, now) -> DecisionRecord:
    """Record the override on the session's risk decision and decide it again; return the new record.

    Every fired rule that asks for a clerk's review or a supervisor's approval is
    overridden; a refusing rule never is (:func:`overridable_problems` keeps those out).
    """
    record = session.risk_record
    assert record is not None
    config = RiskCache(session.services.store).config()
    for warning in record.warnings:
        if warning.action in (Action.CLERK_REVIEW, Action.SUPERVISOR_APPROVAL) and warning.rule not in {o.rule for o in record.overrides}:
            override = Override(warning.rule, clerk.account_id, clerk.role.value, reason, now, approved_by=supervisor.account_id)
            record = with_override(record, override, config)
    RiskCache(session.services.store).save_decision(record)
    session.risk_record = record
    log.info("session %s: risk decision now %s after %d override(s)", session.session_id, record.decision.value, len(record.overrides))
    return record


def _overridden(check: Check, supervisor_id: str) -> Check:
    details = dict(check.details, overridden_outcome=check.outcome.value, overridden_by=supervisor_id)
    reason = Message(
        f"工作人员已人工核验（原结果：{check.reason.zh}）",
        f"Checked in person by staff (was: {check.reason.en})",
    )
    return Check(check.name, Outcome.PASS, reason, details)
