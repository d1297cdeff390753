"""The national ID check (公民身份信息核查) as one check of a verification.

The session runs it last, and only when every other check passed, because each query
reaches the public-security service. A branch linked to HQ sends it through HQ with a
bounded wait. When no result comes (HQ or the national service unavailable) or the
branch has no HQ link, the check does not run. The verification is then "approved
offline" on the card chip, the face and the local records, and HQ re-checks it when the
upload arrives.

A mismatch or an unknown number sends the customer to clerk review, not to a refusal.
The chip's content is signed, so a mismatch most often comes from the register's side
(a recent change of name, a rare character that the service spells differently, a card
newer than the register's copy). A clerk can look at the person and other documents,
which a kiosk cannot do.
"""

from dataclasses import dataclass
from typing import Protocol

from kiosk.checks import Check, Outcome
from kiosk.identity.documents import DocumentType, Identity
from kiosk.messages import Message
from sync.protocol import IdCheckOutcome

NATIONAL_ID_CHECK = "national_id"

_MATCH = Message("公民身份信息核查通过：姓名与证件号码一致。", "National ID check passed: the name and the number match the national register.")
_MATCH_WITH_PHOTO = Message(
    "公民身份信息核查通过：姓名、证件号码与照片一致。",
    "National ID check passed: the name, the number and the photo match the national register.",
)
_MISMATCH = Message(
    "公民身份信息核查未通过：姓名或照片与登记信息不一致。请到柜台由工作人员为您办理。",
    "National ID check failed: the name or the photo differs from the national register. "
    "Please go to the counter, where staff can help you.",
)
_NOT_FOUND = Message(
    "公民身份信息核查未找到该证件号码。请到柜台由工作人员为您办理。",
    "The national ID check found no record of this ID number. Please go to the counter, where staff can help you.",
)
_UNAVAILABLE = Message(
    "公民身份信息核查暂时无法完成，本次依据证件芯片、人脸比对和本地记录离线核验通过，总部将复核。",
    "The national ID check is unavailable right now, so this verification was approved offline on the card chip, "
    "the face match and the local records. Headquarters will check it again.",
)
_OFFLINE = Message(
    "本门店未连接总部，无法进行公民身份信息核查；本次离线核验通过，门店联网后由总部复核。",
    "This branch is not linked to headquarters, so the national ID check could not run. This verification was "
    "approved offline, and headquarters will check it again once the branch is linked.",
)
_NOT_APPLICABLE = Message(
    "公民身份信息核查仅适用于居民身份证，本证件不适用。",
    "The national ID check applies to resident ID cards only, not to this document.",
)


@dataclass(frozen=True)
class NationalIdResult:
    """The result of one national ID check; ``detail`` names no person and is for logs and the clerk."""

    outcome: IdCheckOutcome
    photo_checked: bool = False
    detail: str = ""


class NationalIdService(Protocol):
    """The kiosk's interface to the national ID check; the entry point supplies one that goes through HQ."""

    def check(self, request_id: str, name: str, number: str, photo: bytes | None) -> NationalIdResult:
        """Check one person; return ``UNAVAILABLE`` when no result comes within the bounded wait, never raise for it."""


def check_national_id(identity: Identity, service: NationalIdService | None, request_id: str) -> Check:
    """Query ``service`` about ``identity`` and return the check; ``None`` means the branch has no HQ link.

    Call it only when every other check passed, because a check without a result then
    marks the verification "approved offline" (``details["approved_offline"]``), and HQ
    re-checks it.
    """
    if identity.document_type is not DocumentType.RESIDENT_ID_CARD:
        return Check(NATIONAL_ID_CHECK, Outcome.SKIPPED, _NOT_APPLICABLE, {"document_type": identity.document_type.value})

    if service is None:
        return Check(NATIONAL_ID_CHECK, Outcome.SKIPPED, _OFFLINE, {"outcome": "offline", "approved_offline": True})
    result = service.check(request_id, identity.name, identity.number, identity.photo or None)

    details = {"outcome": result.outcome.value, "photo_checked": result.photo_checked}
    if result.outcome is IdCheckOutcome.MATCH:
        return Check(NATIONAL_ID_CHECK, Outcome.PASS, _MATCH_WITH_PHOTO if result.photo_checked else _MATCH, details)
    if result.outcome is IdCheckOutcome.MISMATCH:
        return Check(NATIONAL_ID_CHECK, Outcome.REVIEW, _MISMATCH, details)
    if result.outcome is IdCheckOutcome.NOT_FOUND:
        return Check(NATIONAL_ID_CHECK, Outcome.REVIEW, _NOT_FOUND, details)
    return Check(NATIONAL_ID_CHECK, Outcome.SKIPPED, _UNAVAILABLE, details | {"detail": result.detail, "approved_offline": True})
