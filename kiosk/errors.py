"""The typed errors of the kiosk and the one place that turns any error into a sentence.

Every error a customer can meet has a class here or in :mod:`devices.errors`, and
:func:`user_message` maps it to a sentence that states what happened and what to do next.
An exception without a mapping gets a generic sentence; the caller logs its traceback.
"""

from devices import errors as device_errors
from devices.passport import errors as passport_errors
from kiosk.messages import Message


class CounterSignError(Exception):
    """Base of the kiosk's errors; ``message`` is what the customer or clerk sees."""

    message = Message("系统出现问题，请联系工作人员。", "Something went wrong. Please ask a member of staff.")

    def __init__(self, detail: str, message: Message | None = None) -> None:
        super().__init__(detail)
        if message is not None:
            self.message = message


class InvalidIdNumber(CounterSignError):
    message = Message("身份证号码无效，请联系工作人员。", "The ID number is not valid. Please ask a member of staff.")


class DocumentUnreadable(CounterSignError):
    message = Message(
        "证件信息无法识别，请重新放置证件或联系工作人员。",
        "The card could not be understood. Please place it again or ask a member of staff.",
    )


class DocumentInvalid(CounterSignError):
    message = Message(
        "证件信息有误，无法办理，请联系工作人员。",
        "The card's data is not valid. Please ask a member of staff.",
    )


class UnknownDocumentType(CounterSignError):
    """The card names a type that this terminal cannot read; it is never guessed."""

    message = Message(
        "本机无法识别此类证件，请到柜台办理。",
        "This kind of card is not recognised here. Please go to the counter.",
    )


class LicenceInputError(CounterSignError):
    """Licence details typed or scanned are incomplete or malformed; ``field`` names the first bad one."""

    def __init__(self, detail: str, field: str, message: Message) -> None:
        super().__init__(detail, message)
        self.field = field


class ImageUnreadable(CounterSignError):
    message = Message("拍摄失败，请重新拍摄。", "Capture failed, please retake.")


class ImageTooLarge(ImageUnreadable):
    message = Message("图像过大，无法处理，请重新拍摄。", "The image is too large to process. Please retake.")


class NoFaceFound(CounterSignError):
    message = Message(
        "未检测到人脸，请正对摄像头。",
        "No face found. Please look straight at the camera.",
    )


class SeveralFacesFound(CounterSignError):
    message = Message(
        "检测到多张人脸，请确保只有您一人在镜头前。",
        "More than one face found. Please make sure only you are in front of the camera.",
    )


class FaceServiceUnavailable(CounterSignError):
    """The process that runs the face models failed to start, stopped, or timed out."""

    message = Message(
        "人脸核验暂时无法使用，请重试或联系工作人员。",
        "Face checking is not available just now. Please try again or ask a member of staff.",
    )


class StoreError(CounterSignError):
    message = Message(
        "本机数据存储出现问题，请联系工作人员（需要维护）。",
        "The local data store has a problem. Please ask a member of staff (service needed).",
    )


class WrongStoreKey(StoreError):
    """The key does not open the store; the file was left untouched."""


class StoreMissing(StoreError):
    """The store file does not exist and was not to be created."""


class SchemaTooNew(StoreError):
    """The store was written by a newer CounterSign than this one."""


class StoreCorrupt(StoreError):
    """The store failed an integrity check, or its schema cannot be read; a kiosk start moves it into quarantine."""

    message = Message(
        "暂停服务：本机数据存储已损坏，需要维修。请联系工作人员。",
        "Out of service: the local data store is damaged and service is needed. Please ask a member of staff.",
    )


class StoreOldFormat(StoreError):
    """The store is a SQLCipher 3 file; ``countersign store migrate`` converts it once."""


class StoreNotEncrypted(StoreError):
    """The store path holds a plain SQLite file; personal data is never kept unencrypted."""


class ReservationTaken(StoreError):
    """The reservation was picked up by another session while this one ran."""

    message = Message(
        "该预订已在其他窗口办理，请联系工作人员。",
        "This reservation has already been picked up at another terminal. Please ask a member of staff.",
    )


class TemplateError(CounterSignError):
    message = Message(
        "合同模板不可用，请联系工作人员。",
        "The contract template is not available. Please ask a member of staff.",
    )


class SealingError(CounterSignError):
    message = Message(
        "合同签章失败，请联系工作人员。",
        "The contract could not be sealed. Please ask a member of staff.",
    )


class FontMissing(SealingError):
    """No font with Chinese glyphs was found for the contract PDF."""

    message = Message(
        "本机缺少合同所需的中文字体，暂时无法准备合同，请联系工作人员。",
        "This terminal lacks the Chinese font the contract needs, so the contract cannot be prepared. Please ask a member of staff.",
    )


class SealInvalid(CounterSignError):
    """A contract PDF has no seal, or was rejected before its seal was checked.

    ``code`` names the reason: "unsigned", or a code of
    :mod:`kiosk.contracts.pdf_intake` such as "encrypted" or "broken_xref".
    """

    message = Message(
        "合同文件没有可核验的签章，请提供合同的原始 PDF 文件。",
        "The contract file has no seal that can be verified. Please provide the original contract PDF.",
    )

    def __init__(self, detail: str, code: str = "unsigned", message: Message | None = None) -> None:
        super().__init__(detail, message)
        self.code = code


class SignatureRejected(CounterSignError):
    """The ink on the pad is not a signature. Each subclass is one reason and has its own message."""

    message = Message("签名无法识别，请重新签名。", "The signature could not be recognised. Please sign again.")


class SignatureBlank(SignatureRejected):
    """Submit was pressed with nothing drawn."""

    message = Message("框内还没有签名。请在框内写下您的姓名。", "The box is still empty. Please write your name in it.")


class SignatureDot(SignatureRejected):
    """The pen only tapped the pad, or the ink is a dot."""

    message = Message(
        "这只是轻点了一下，还不是签名。请在框内写下您的完整姓名。",
        "That was only a tap, not a signature. Please write your full name in the box.",
    )


class SignatureLine(SignatureRejected):
    """The ink is one straight line, or so flat that it shows no letters."""

    message = Message(
        "一条线不能作为签名。请在框内写下您的完整姓名。",
        "A single line cannot be used as a signature. Please write your full name in the box.",
    )


class SignatureTooShort(SignatureRejected):
    """The ink is too little to be a full name: a short mark or a very small signature."""

    message = Message(
        "签名太小了。请沿着虚线，把您的完整姓名写大一些。",
        "The signature is too small. Please write your full name larger, along the dashed line.",
    )


class SessionStateError(CounterSignError):
    """A session step was called in a stage where it does not belong (a programming error)."""


class ConfigError(CounterSignError):
    message = Message(
        "本机配置有误，请联系门店 IT。",
        "This terminal is misconfigured. Please contact branch IT.",
    )


# The first matching class wins, so subclasses come before their bases.
_DEVICE_MESSAGES: list[tuple[type[Exception], Message]] = [
    (
        passport_errors.BacRejected,
        Message(
            "护照芯片拒绝了机读区信息，请核对机读区后重试，或到柜台办理。",
            "The passport chip did not accept the machine-readable zone. Check it and try again, or go to the counter.",
        ),
    ),
    (
        passport_errors.PaceNotSupported,
        Message("本机暂不支持此类护照芯片，请到柜台办理。", "This passport's chip is not supported here yet. Please go to the counter."),
    ),
    (
        device_errors.NoCardError,
        Message("未检测到证件，请将身份证放在读卡区。", "No card found. Please place your ID card on the reader."),
    ),
    (
        device_errors.CardRemovedError,
        Message(
            "读卡过程中证件被移开，请将证件放稳后重试。",
            "The card was moved while it was read. Please hold it still on the reader and try again.",
        ),
    ),
    (
        device_errors.ReaderLibraryError,
        Message("读卡器软件故障，请联系工作人员。", "The card reader software has a fault. Please ask a member of staff."),
    ),
    (
        device_errors.ReaderUnavailableError,
        Message("读卡器未连接，请联系工作人员。", "The card reader is not connected. Please ask a member of staff."),
    ),
    (
        device_errors.FrameError,
        Message("读卡通信出错，请重试。", "The card reader sent garbled data. Please try again."),
    ),
    (
        device_errors.ReaderTimeoutError,
        Message("读卡器无响应，请重试或联系工作人员。", "The card reader did not respond. Please try again or ask a member of staff."),
    ),
    (
        device_errors.PhotoDecodeError,
        Message("证件照片无法读取，请联系工作人员。", "The photo on the card could not be read. Please ask a member of staff."),
    ),
    (
        device_errors.ReaderError,
        Message("读卡失败，请重试或联系工作人员。", "The card could not be read. Please try again or ask a member of staff."),
    ),
    (device_errors.FrameUnreadableError, ImageUnreadable.message),
    (
        device_errors.CameraError,
        Message("摄像头不可用，请联系工作人员。", "The camera is not available. Please ask a member of staff."),
    ),
    (
        device_errors.SignaturePadError,
        Message("签名板不可用，请联系工作人员。", "The signature pad is not available. Please ask a member of staff."),
    ),
]


def user_message(error: BaseException) -> Message:
    """Return the sentence to show for ``error``; never the error's own text."""
    if isinstance(error, CounterSignError):
        return error.message
    for error_type, message in _DEVICE_MESSAGES:
        if isinstance(error, error_type):
            return message
    return CounterSignError.message
