"""Typed errors for contract templates that cannot be used, each with a sentence in Chinese and English.

Every error names the template, its version and the reason, so that branch IT can
act on the message alone. The exception text (``str(error)``) carries the technical
detail for the log; ``error.message`` is what a clerk or IT sees.
"""

from kiosk.errors import TemplateError
from kiosk.messages import Message

_CONTACT_IT = Message("请联系门店 IT。", "Please contact branch IT.")


def _sentence(template_id: str, version: str, reason: Message) -> Message:
    return Message(
        f"合同模板 {template_id} 第 {version} 版不能使用：{reason.zh}。{_CONTACT_IT.zh}",
        f"Contract template {template_id} version {version} cannot be used: {reason.en}. {_CONTACT_IT.en}",
    )


class TemplateVersionError(TemplateError):
    """A template version that is refused; ``template_id`` and ``version`` name it, ``code`` the reason."""

    code = "refused"

    def __init__(self, template_id: str, version: str, detail: str, reason: Message) -> None:
        super().__init__(f"contract template {template_id} v{version}: {detail}", _sentence(template_id, version, reason))
        self.template_id = template_id
        self.version = version
        self.reason = reason


class TemplateNotFound(TemplateVersionError):
    code = "not_found"

    def __init__(self, template_id: str, version: str, path: object) -> None:
        super().__init__(
            template_id,
            version,
            f"not found at {path}",
            Message(f"找不到模板文件 {path}", f"the template file {path} is not found"),
        )


class TemplateMalformed(TemplateVersionError):
    """The template file is not valid JSON, or a declaration in it is missing or wrong."""

    code = "malformed"

    def __init__(self, template_id: str, version: str, detail: str) -> None:
        super().__init__(
            template_id,
            version,
            f"malformed: {detail}",
            Message(f"模板文件格式有误（{detail}）", f"the template file is malformed ({detail})"),
        )


class TemplateNotApproved(TemplateVersionError):
    """Headquarters' legal reviewer has not approved this version: no approval file, or one for another version."""

    code = "not_approved"

    def __init__(self, template_id: str, version: str, detail: str, why: Message) -> None:
        super().__init__(
            template_id,
            version,
            f"not approved: {detail}",
            Message(f"未经总部法务审批（{why.zh}）", f"headquarters' legal reviewer has not approved it ({why.en})"),
        )

    @classmethod
    def no_approval_file(cls, template_id: str, version: str, path: object) -> "TemplateNotApproved":
        return cls(template_id, version, f"no approval file at {path}", Message(f"没有审批文件 {path}", f"no approval file at {path}"))

    @classmethod
    def approval_of_other_version(
        cls, template_id: str, version: str, approved_id: str, approved_version: str
    ) -> "TemplateNotApproved":
        return cls(
            template_id,
            version,
            f"the approval file is for {approved_id} v{approved_version}",
            Message(
                f"审批文件属于 {approved_id} 第 {approved_version} 版",
                f"the approval file is for {approved_id} version {approved_version}",
            ),
        )


class TemplateApprovalMalformed(TemplateVersionError):
    code = "approval_malformed"

    def __init__(self, template_id: str, version: str, detail: str) -> None:
        super().__init__(
            template_id,
            version,
            f"approval file is malformed: {detail}",
            Message(f"审批文件格式有误（{detail}）", f"its approval file is malformed ({detail})"),
        )


class TemplateAltered(TemplateVersionError):
    """The template file's SHA-256 differs from the one headquarters approved."""

    code = "altered"

    def __init__(self, template_id: str, version: str, approved_sha256: str, actual_sha256: str) -> None:
        super().__init__(
            template_id,
            version,
            f"altered: SHA-256 {actual_sha256}, approved {approved_sha256}",
            Message(
                f"模板文件在审批后被修改（SHA-256 应为 {approved_sha256[:16]}…，实为 {actual_sha256[:16]}…）",
                f"the template file was changed after approval (SHA-256 {actual_sha256[:16]}…, approved {approved_sha256[:16]}…)",
            ),
        )
        self.approved_sha256 = approved_sha256
        self.actual_sha256 = actual_sha256


class TemplateSignatureInvalid(TemplateVersionError):
    """The approval's signature does not verify with headquarters' template key."""

    def __init__(self, template_id: str, version: str, detail: str, wrong_key: bool = False) -> None:
        if wrong_key:
            reason = Message("审批签名不是用总部模板密钥签署的", "the approval was not signed with headquarters' template key")
        else:
            reason = Message("审批签名无效", "the approval signature is invalid")
        super().__init__(template_id, version, f"approval signature invalid: {detail}", reason)
        self.wrong_key = wrong_key
        self.code = "wrong_key" if wrong_key else "signature_invalid"


class TemplateWithdrawn(TemplateVersionError):
    """Headquarters withdrew the version after approving it."""

    code = "withdrawn"

    def __init__(self, template_id: str, version: str, withdrawn_at: str, reason_text: str) -> None:
        super().__init__(
            template_id,
            version,
            f"withdrawn on {withdrawn_at}: {reason_text}",
            Message(f"已于 {withdrawn_at} 被总部撤回（{reason_text}）", f"headquarters withdrew it on {withdrawn_at} ({reason_text})"),
        )
        self.withdrawn_at = withdrawn_at
        self.reason_text = reason_text


class WithdrawalListInvalid(TemplateError):
    """The list of withdrawn versions is malformed or not signed by headquarters' template key.

    Without a trustworthy list no version can be shown to be still in force, so every
    template is refused.
    """

    code = "withdrawal_list_invalid"

    def __init__(self, path: object, detail: str) -> None:
        super().__init__(
            f"withdrawal list {path}: {detail}",
            Message(
                f"合同模板撤回清单 {path} 无效（{detail}），所有模板暂停使用。{_CONTACT_IT.zh}",
                f"The list of withdrawn contract templates {path} is invalid ({detail}), "
                f"so no template can be used. {_CONTACT_IT.en}",
            ),
        )


class TemplateKeyUnusable(TemplateError):
    """Headquarters' template key is not configured, cannot be read or is of an unsupported kind."""

    code = "key_unusable"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"HQ template key: {detail}",
            Message(
                f"总部合同模板密钥不可用（{detail}），无法确认合同模板已经审批。{_CONTACT_IT.zh}",
                f"Headquarters' template key is unusable ({detail}), so no contract template "
                f"can be confirmed as approved. {_CONTACT_IT.en}",
            ),
        )
