"""The one place where the kiosk UI turns an exception into a customer sentence and a log entry.

Typed errors (:mod:`kiosk.errors` with the store's and the template's subclasses,
:mod:`devices.errors`, the HQ client errors of :mod:`sync.client`) map to their own
sentence. Any other exception maps to :data:`GENERIC`. The exception's own text never
reaches the screen: it goes to the log with its traceback and the session id.
"""

import logging

from devices.errors import DeviceError
from kiosk.errors import ConfigError, CounterSignError, TemplateError, user_message
from kiosk.messages import Message
from sync.client import HqNotTrusted, HqRefused, HqUnreachable, KioskCertificateInvalid

log = logging.getLogger(__name__)

GENERIC = CounterSignError.message

# Errors whose instance message is written for branch IT (it names a file, a template
# version or a TOML key). The customer gets the class's own sentence instead.
_IT_DETAIL_ERRORS: tuple[type[CounterSignError], ...] = (TemplateError, ConfigError)

# The first matching class wins, so subclasses come before their bases.
_SYNC_MESSAGES: list[tuple[type[Exception], Message]] = [
    (
        HqNotTrusted,
        Message("本机与总部的安全连接配置有误，请联系工作人员。", "This terminal cannot connect to headquarters securely. Please ask a member of staff."),
    ),
    (
        KioskCertificateInvalid,
        Message("本机证书已失效，请联系工作人员。", "This terminal's certificate is no longer valid. Please ask a member of staff."),
    ),
    (
        HqRefused,
        Message("总部拒绝了本次请求，请联系工作人员。", "Headquarters rejected the request. Please ask a member of staff."),
    ),
    (
        HqUnreachable,
        Message("暂时无法连接总部，请稍后重试或联系工作人员。", "Headquarters cannot be reached right now. Please try again later or ask a member of staff."),
    ),
]


def customer_message(error: BaseException) -> Message:
    """Return the sentence a customer sees for ``error``: what happened and what to do next.

    Never built from ``str(error)``: an untyped exception, such as a ``ValueError``
    from a library, returns :data:`GENERIC`.
    """
    if isinstance(error, _IT_DETAIL_ERRORS):
        for error_type in _IT_DETAIL_ERRORS:
            if isinstance(error, error_type):
                return error_type.message
    if isinstance(error, (CounterSignError, DeviceError)):
        return user_message(error)
    for error_type, message in _SYNC_MESSAGES:
        if isinstance(error, error_type):
            return message
    return GENERIC


def report_error(error: BaseException, where: str, session_id: str = "-") -> Message:
    """Log ``error`` with its traceback, the place ``where`` it was caught and ``session_id``; return its sentence.

    Call it once for each error that reaches the UI, where it is caught.
    """
    typed = customer_message(error) is not GENERIC or isinstance(error, CounterSignError)
    log.error(
        "session %s: %s failed with %s %s",
        session_id,
        where,
        "typed error" if typed else "untyped error",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
    )
    return customer_message(error)
