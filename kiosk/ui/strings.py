"""The kiosk screens' own strings: one catalogue of key -> (Simplified Chinese, English).

Screens look strings up when they display them, never at import time, so a language
switch takes effect on the next retranslation. Sentences that come from the session
(reasons, check results) arrive as :class:`kiosk.messages.Message` and are not here.
"""

from kiosk.messages import Message

# TODO: move this catalogue to Qt Linguist .ts files under resources/ so that translators
# can work on it with their own tools.
CATALOGUE: dict[str, tuple[str, str]] = {
    # Window frame
    "app.title": ("租车核验台", "CounterSign"),
    "language.switch": ("English", "中文"),
    "action.cancel": ("取消办理", "Cancel"),
    "action.retry": ("重试", "Try again"),
    # Busy messages, one per operation
    "busy.starting": ("正在启动，请稍候……", "Starting, please wait…"),
    "busy.beginning": ("正在准备，请稍候……", "Getting ready, please wait…"),
    "busy.consent": ("正在记录您的选择……", "Saving your choice…"),
    "busy.reading_card": ("正在读取证件，请勿移动证件……", "Reading your ID card. Please keep it still…"),
    "busy.checking_licence": ("正在核验驾驶证……", "Checking your driving licence…"),
    "busy.capturing_face": ("正在拍摄，请正对摄像头……", "Taking your picture. Please look at the camera…"),
    "busy.verifying": ("正在比对人脸与证件照片……", "Comparing your face with the card photo…"),
    "busy.preparing_contract": ("正在生成合同……", "Preparing your contract…"),
    "busy.acknowledging": ("正在记录您的确认……", "Saving your confirmation…"),
    "busy.signing": ("正在签署并保存合同，请稍候……", "Signing and saving your contract, please wait…"),
    "busy.cancelling": ("正在取消……", "Cancelling…"),
    "busy.ending": ("正在清除本次办理的信息……", "Clearing the data of this session…"),
    # Step indicator
    "step.consent": ("同意", "Consent"),
    "step.document": ("身份证", "ID card"),
    "step.licence": ("驾驶证", "Licence"),
    "step.face": ("人脸", "Face"),
    "step.verification": ("核验", "Checks"),
    "step.contract": ("合同", "Contract"),
    "step.sign": ("签名", "Sign"),
    "step.done": ("完成", "Done"),
    # Welcome
    "welcome.title": ("欢迎使用自助租车", "Welcome to self-service car rental"),
    "welcome.body": (
        "办理时需要您的居民身份证，并在屏幕上签名。",
        "You will need your resident ID card, and you will sign on the screen.",
    ),
    "welcome.start": ("开始办理", "Start"),
    # Consent
    "consent.title": ("个人信息处理告知与同意", "Consent to the processing of your personal data"),
    "consent.continue": ("继续", "Continue"),
    "consent.decline": ("不同意，到柜台办理", "I do not agree, go to the counter"),
    # Document
    "document.title": ("请将身份证放在读卡区", "Place your ID card on the reader"),
    "document.body": (
        "将身份证平放在读卡器上，然后点击“读取证件”。读取时请勿移动证件。",
        "Lay your ID card flat on the reader, then press “Read card”. Keep the card still while it is read.",
    ),
    "document.read": ("读取证件", "Read card"),
    # Licence
    "licence.title": ("驾驶证与证件有效期核验", "Driving licence and ID card validity"),
    "licence.continue": ("下一步：人脸拍摄", "Next: face photo"),
    # Face
    "face.title": ("人脸拍摄", "Face photo"),
    "face.body": (
        "请摘下帽子、口罩和墨镜，正对摄像头，然后点击“拍摄”。",
        "Please take off your hat, mask and sunglasses, look straight at the camera, then press “Take picture”.",
    ),
    "face.capture": ("拍摄", "Take picture"),
    "face.retake": ("重新拍摄", "Take again"),
    "face.continue": ("下一步：核验", "Next: checks"),
    "face.preview.starting": ("正在打开摄像头……", "Opening the camera…"),
    # Verification
    "verification.title": ("核验结果", "Check results"),
    "verification.continue": ("下一步：查看合同", "Next: read the contract"),
    # Contract
    "contract.title": ("租车合同", "Rental contract"),
    "contract.hint": (
        "请仔细阅读合同，并逐条勾选需要您确认的条款。",
        "Please read the contract and tick each clause that needs your confirmation.",
    ),
    "contract.scroll_hint": (
        "请向下滑动，读完整份合同后方可确认。",
        "Scroll down through the whole contract. You can confirm once you reach the end.",
    ),
    "contract.fields": ("合同信息", "Contract details"),
    "contract.clauses": ("合同条款", "Terms"),
    "contract.must_acknowledge": ("（需确认）", "(confirmation needed)"),
    "contract.acknowledge": ("我已阅读并同意“{title}”条款", "I have read and accept the clause “{title}”"),
    "contract.confirm": ("确认条款，去签名", "Confirm and go to signing"),
    # Sign
    "sign.title": ("请在下方框内签名", "Please sign in the box below"),
    "sign.body": (
        "请用手指或手写笔写下您的姓名。写错了可以点击“重写”。",
        "Write your name with your finger or the pen. Press “Clear” to start over.",
    ),
    "sign.contract_no": ("合同编号：{number}", "Contract number: {number}"),
    "sign.clear": ("重写", "Clear"),
    "sign.submit": ("提交签名", "Submit signature"),
    # Done
    "done.title": ("办理完成", "All done"),
    "done.contract_no": ("合同编号：{number}", "Contract number: {number}"),
    "done.body": ("谢谢！取车时请出示合同编号。", "Thank you! Show this contract number when you collect the car."),
    "done.finish": ("完成", "Finish"),
    # Exits
    "exit.refused.title": ("无法为您办理租车", "We cannot complete your rental"),
    "exit.clerk_review.title": ("请到柜台办理", "Please go to the counter"),
    "exit.cancelled.title": ("已取消办理", "Cancelled"),
    "exit.reference": ("办理编号：{session_id}（请告知工作人员）", "Reference: {session_id} (please tell the staff)"),
    "exit.start_again": ("重新开始", "Start again"),
    # Checklist
    "check.outcome.pass": ("通过", "Passed"),
    "check.outcome.fail": ("未通过", "Failed"),
    "check.outcome.review": ("需人工核验", "Staff check"),
    "check.outcome.retry": ("需重试", "Try again"),
    "check.outcome.skipped": ("未执行", "Not performed"),
    "check.document_number": ("证件号码", "Document number"),
    "check.document_validity": ("证件有效期", "Document validity"),
    "check.customer_age": ("年龄", "Age"),
    "check.licence_holder": ("驾驶证持有人", "Licence holder"),
    "check.licence_class": ("准驾车型", "Licence class"),
    "check.licence_validity": ("驾驶证有效期", "Licence validity"),
    "check.licence_probation": ("实习期", "Probationary year"),
    "check.liveness": ("活体检测", "Liveness"),
    "check.face_match": ("人证比对", "Face match"),
    "check.face_duplicate": ("重复身份", "Duplicate identity"),
    "check.contract_check": ("合同查对", "Contract check"),
    # Sync with headquarters, for staff (the header's corner)
    "sync.never": ("总部同步：尚未成功", "HQ sync: not yet"),
    "sync.last": ("总部同步 {time}", "HQ sync {time}"),
    "sync.pending": ("待发送 {count} 条", "{count} waiting"),
    "sync.failed": ("{count} 条被拒，请联系 IT", "{count} rejected, call IT"),
    "sync.offline": ("离线", "offline"),
    "sync.error": ("同步出错", "sync error"),
    "sync.uploading": ("正在上传 {done}/{total}", "uploading {done}/{total}"),
    # Idle timeout
    "idle.title": ("您还在吗？", "Are you still there?"),
    "idle.body": (
        "{seconds} 秒后，本次办理将被取消，您的信息将从屏幕上清除。",
        "In {seconds} seconds this session will be cancelled and your details cleared from the screen.",
    ),
    "idle.continue": ("我还在，继续办理", "I'm here, continue"),
}


def message(key: str) -> Message:
    """Return the catalogue entry ``key`` as a Message. Raises ``KeyError`` for an unknown key."""
    zh, en = CATALOGUE[key]
    return Message(zh, en)


def text(key: str, language: str) -> str:
    """Return the catalogue entry ``key`` in ``language`` ("zh" or "en")."""
    return message(key).text(language)
