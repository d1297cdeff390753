"""The verification result: every identity check of a session, with the decision they lead to."""

import enum
from dataclasses import dataclass
from datetime import datetime

from kiosk.checks import Check, Outcome
from kiosk.identity.documents import Identity
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
        """Return the first check that did not pass, whose reason explains the decision."""
        return next((check for check in self.checks if not check.passed), None)

    def to_json(self) -> dict:
        return {"decision": self.decision.value, "checks": [check.to_json() for check in self.checks]}


def check_document_number(identity: Identity) -> Check:
    """Record that the document number passed GB 11643 when the card was read."""
    return Check(
        "document_number",
        Outcome.PASS,
        Message("身份证号码校验通过。", "The ID number is valid."),
        {"number": identity.masked_number},
    )


def check_document_validity(identity: Identity, return_at: datetime) -> Check:
    """Check that the document stays valid through the last day of the rental."""
    details = {
        "valid_to": identity.valid_to.isoformat() if identity.valid_to else "long-term",
        "return_date": return_at.date().isoformat(),
    }
    if identity.valid_through(return_at.date()):
        return Check(
            "document_validity",
            Outcome.PASS,
            Message("证件在整个租期内有效。", "The ID card is valid for the whole rental."),
            details,
        )
    assert identity.valid_to is not None
    return Check(
        "document_validity",
        Outcome.FAIL,
        Message(
            f"身份证有效期至 {identity.valid_to:%Y-%m-%d}，早于还车日期。",
            f"The ID card expires on {identity.valid_to:%Y-%m-%d}, before the return date.",
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
