"""The verification result: every identity check of a session, with the decision they lead to."""

import enum
from dataclasses import dataclass
from datetime import datetime

from kiosk.checks import Check, Outcome
from kiosk.identity.dates import add_months, age_on
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.face import MatchResult
from kiosk.messages import Message


class Decision(enum.Enum):
    APPROVED = "approved"
    CLERK_REVIEW = "clerk_review"
    REFUSED = "refused"


@dataclass(frozen=True)
class VerificationResult:
    """All checks of one verification; the decision follows from the worst outcome."""

    checks: tuple[Check, ...]

    @property
    def decision(self) -> Decision:
        outcomes = {check.outcome for check in self.checks}
        if Outcome.FAIL in outcomes:
            return Decision.REFUSED
        if Outcome.REVIEW in outcomes or Outcome.RETRY in outcomes:
            return Decision.CLERK_REVIEW
        return Decision.APPROVED

    @property
    def first_problem(self) -> Check | None:
        """Return the check whose reason explains the decision: the first failure, else the first that needs review.

        A skipped check is never the problem.
        """
        for outcome in (Outcome.FAIL, Outcome.REVIEW, Outcome.RETRY):
            problem = next((check for check in self.checks if check.outcome is outcome), None)
            if problem is not None:
                return problem
        return None

    @property
    def approved_offline(self) -> bool:
        """Return whether the verification is approved without the national ID check, which HQ then re-checks."""
        return self.decision is Decision.APPROVED and any(check.details.get("approved_offline") for check in self.checks)

    def to_json(self) -> dict:
        return {
            "decision": self.decision.value,
            "approved_offline": self.approved_offline,
            "checks": [check.to_json() for check in self.checks],
        }


def check_document_number(identity: Identity) -> Check:
    """Record that the document number passed its checks when the card was read.

    Warnings found then (an abolished division code, a number without a verifiable
    check character) go into the reason and the details, so the clerk sees them and
    the stored verification keeps them.
    """
    details: dict = {"number": identity.masked_number, "document_type": identity.document_type.value}
    if not identity.warnings:
        return Check("document_number", Outcome.PASS, Message("证件号码校验通过。", "The document number is valid."), details)
    details["warnings"] = [warning.to_json() for warning in identity.warnings]
    return Check(
        "document_number",
        Outcome.PASS,
        Message(
            "证件号码校验通过，但有提示：" + "；".join(warning.zh for warning in identity.warnings),
            "The document number passed, with notes: " + " ".join(warning.en for warning in identity.warnings),
        ),
        details,
    )


# Months a document must stay valid after the return date, unless the branch sets others:
# a customer whose card expires just after the rental has no time to renew it.
DEFAULT_VALIDITY_MARGIN_MONTHS = {
    DocumentType.RESIDENT_ID_CARD: 1,
    DocumentType.HMT_RESIDENCE_PERMIT: 2,
    DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD: 2,
    DocumentType.PASSPORT: 2,
}


def check_document_validity(identity: Identity, return_at: datetime, margin_months: int | None = None) -> Check:
    """Check that the document stays valid through the return date plus ``margin_months``.

    Without ``margin_months`` the default for the document type applies.
    """
    if margin_months is None:
        margin_months = DEFAULT_VALIDITY_MARGIN_MONTHS[identity.document_type]
    needed_until = add_months(return_at.date(), margin_months)
    label = identity.document_type.label
    details = {
        "valid_to": identity.valid_to.isoformat() if identity.valid_to else "long-term",
        "return_date": return_at.date().isoformat(),
        "margin_months": margin_months,
        "needed_until": needed_until.isoformat(),
    }
    if identity.valid_through(needed_until):
        return Check(
            "document_validity",
            Outcome.PASS,
            Message(f"{label.zh}在租期内有效。", f"Your {label.en} is valid for the whole rental."),
            details,
        )

    assert identity.valid_to is not None
    if identity.valid_to < return_at.date():
        reason = Message(
            f"{label.zh}有效期至 {identity.valid_to:%Y-%m-%d}，早于还车日期。请更换证件后再办理，或到柜台咨询。",
            f"Your {label.en} expires on {identity.valid_to:%Y-%m-%d}, before the return date. "
            "Please renew it first, or ask at the counter.",
        )
    else:
        reason = Message(
            f"{label.zh}有效期至 {identity.valid_to:%Y-%m-%d}，还车后不足 {margin_months} 个月。请更换证件后再办理，或到柜台咨询。",
            f"Your {label.en} expires on {identity.valid_to:%Y-%m-%d}, less than {margin_months} "
            f"{'month' if margin_months == 1 else 'months'} "
            "after the return date. Please renew it first, or ask at the counter.",
        )
    return Check("document_validity", Outcome.FAIL, reason, details)


def check_customer_age(identity: Identity, pickup_at: datetime, minimum_age: int) -> Check:
    """Check that the customer has reached ``minimum_age`` on the pick-up day, by the one age rule."""
    age = age_on(identity.birth_date, pickup_at.date())
    details = {"age": age, "minimum_age": minimum_age}
    if age >= minimum_age:
        return Check("customer_age", Outcome.PASS, Message("年龄符合租车要求。", "You meet the minimum age to rent."), details)
    return Check(
        "customer_age",
        Outcome.FAIL,
        Message(
            f"租车需年满 {minimum_age} 周岁，请到柜台咨询。",
            f"Renters must be at least {minimum_age} years old. Please ask at the counter.",
        ),
        details,
    )


def check_face_match(match: MatchResult) -> Check:
    """Turn a face comparison into a check; the distance and threshold go to the clerk."""
    details = {"distance": round(match.distance, 4), "threshold": match.threshold}
    if match.is_match:
        return Check(
            "face_match",
            Outcome.PASS,
            Message("人脸与证件照片一致。", "Your face matches the photo on the card."),
            details,
        )
    return Check(
        "face_match",
        Outcome.FAIL,
        Message(
            "人脸与证件照片不一致。如有疑问，请到柜台由工作人员为您办理。",
            "Face does not match the photo on the card. If you think this is wrong, please go to the counter.",
        ),
        details,
    )
