"""The two separate consents a customer gives: to ID processing and to face processing.

PIPL art. 29 asks for separate consent to each use of sensitive personal information, so
each consent has its own purpose, retention period, version and decision. The retention
periods shown are filled in from the branch's ``[retention]`` table, so the notice states
what the purge enforces. A changed text gets a new version id; the version the customer
saw is stored with the transaction.
"""

from dataclasses import dataclass

from kiosk.messages import Message
from kiosk.store.retention import RetentionPolicy

ID_CONSENT_VERSION = "consent-id-2026-12-c"
FACE_CONSENT_VERSION = "consent-face-2026-12-c"

_ID_PURPOSE = Message(
    "用途：读取您的身份证信息（姓名、身份证号码、住址、证件照片），用于核验身份、查找预订并填写租车合同。"
    "身份证号码属于敏感个人信息，加密保存，屏幕上只显示部分号码。",
    "Purpose: the kiosk reads your ID card (name, ID number, address, card photo) to verify your identity, "
    "find your reservation and fill in the rental contract. The ID number is sensitive personal information: "
    "it is stored encrypted and shown only in part on screen.",
)
_ID_RETENTION = Message(
    "保存期限：签署合同的，证件信息随合同依法加密保存；未签署合同的（拒绝、转人工、中途放弃），{unsigned_session_days} 天后删除。"
    "不同意则无法自助办理，请到柜台由工作人员办理。",
    "Retention: with a signed contract, the card data is kept encrypted with the contract as the law requires. "
    "Without one (declined, referred to staff, abandoned), it is deleted after {unsigned_session_days} days. "
    "Without this consent the kiosk cannot continue, and staff at the counter will help you instead.",
)
_FACE_PURPOSE = Message(
    "用途：拍摄您的面部图像，与证件照片比对，确认是您本人。为防止他人冒用身份，核验通过后保存由面部图像计算出的面部特征值"
    "（无法还原为照片），仅用于发现同一面孔以不同身份租车的情况。",
    "Purpose: the kiosk takes a picture of your face and compares it with the card photo to confirm it is you. "
    "To stop others renting under your name, after a successful check it keeps a face template computed from the "
    "picture (it cannot be turned back into a photo), used only to find the same face renting under another identity.",
)
_FACE_RETENTION = Message(
    "保存期限：面部图像只在本机内存中处理，不写入磁盘，比对结束即丢弃；面部特征值加密保存 {face_template_days} 天后删除。"
    "不同意也可以办理：工作人员将在柜台人工核验您的身份。",
    "Retention: the face picture is processed in this kiosk's memory only, never written to disk, and discarded "
    "when the comparison ends. The face template is kept encrypted for {face_template_days} days, then deleted. "
    "You may decline: staff at the counter will then check your identity in person.",
)


@dataclass(frozen=True)
class ConsentNotice:
    """One consent as shown: what it covers, its purpose and retention period, and its text version."""

    version: str
    title: Message
    purpose: Message
    retention: Message


def id_consent_notice(policy: RetentionPolicy) -> ConsentNotice:
    """Return the ID-processing notice with ``policy``'s periods filled in."""
    return ConsentNotice(
        ID_CONSENT_VERSION,
        Message("同意处理我的身份证信息", "I agree to the processing of my ID card data"),
        _ID_PURPOSE,
        _ID_RETENTION.format(unsigned_session_days=policy.unsigned_session_days),
    )


def face_consent_notice(policy: RetentionPolicy) -> ConsentNotice:
    """Return the face-processing notice with ``policy``'s periods filled in."""
    return ConsentNotice(
        FACE_CONSENT_VERSION,
        Message("同意处理我的人脸信息", "I agree to the processing of my face data"),
        _FACE_PURPOSE,
        _FACE_RETENTION.format(face_template_days=policy.face_template_days),
    )

