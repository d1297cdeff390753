"""Factories of the operations that kiosk screens start, one per runtime or session call.

Every session step succeeds with the session's :class:`StageRecord`, and the screens react
to it. None of these functions runs the work itself, and none of the work touches a widget.
"""

from collections.abc import Callable

from countersign.runtime import BranchRuntime
from devices.signature_pad import Signature
from kiosk.session import RentalSession
from kiosk.ui.operations import Operation


def start_runtime(runtime: BranchRuntime) -> Operation:
    """Start the branch's devices, store and models. Succeeds with ``None``."""

    def work() -> None:
        runtime.start()

    return Operation("start_runtime", "busy.starting", work)


def begin_session(runtime: BranchRuntime, prepare: Callable[[BranchRuntime], None] | None) -> Operation:
    """Run ``prepare``, create a session and take its first step. Succeeds with the session."""

    def work() -> RentalSession:
        if prepare is not None:
            prepare(runtime)
        session = runtime.new_session()
        session.start()
        return session

    return Operation("begin_session", "busy.beginning", work)


def give_consent(session: RentalSession, id_processing: bool, face_processing: bool) -> Operation:
    return Operation(
        "give_consent", "busy.consent", lambda: session.give_consent(id_processing, face_processing), session.session_id
    )


def read_document(session: RentalSession) -> Operation:
    return Operation("read_document", "busy.reading_card", session.read_document, session.session_id)


def check_licence(session: RentalSession) -> Operation:
    return Operation("check_licence", "busy.checking_licence", session.check_licence, session.session_id)


def capture_face(session: RentalSession) -> Operation:
    return Operation("capture_face", "busy.capturing_face", session.capture_face, session.session_id)


def verify(session: RentalSession) -> Operation:
    return Operation("verify", "busy.verifying", session.verify, session.session_id)


def prepare_contract(session: RentalSession) -> Operation:
    return Operation("prepare_contract", "busy.preparing_contract", session.prepare_contract, session.session_id)


def acknowledge(session: RentalSession, clause_ids: list[str]) -> Operation:
    ids = list(clause_ids)
    return Operation("acknowledge", "busy.acknowledging", lambda: session.acknowledge(ids), session.session_id)


def sign(session: RentalSession, signature: Signature) -> Operation:
    return Operation("sign", "busy.signing", lambda: session.sign(signature), session.session_id)


def cancel(session: RentalSession) -> Operation:
    """Cancel an unfinished session. Succeeds with the record, or with ``None`` when it had finished."""
    return Operation("cancel", "busy.cancelling", session.cancel, session.session_id)


def end_session(session: RentalSession) -> Operation:
    """Drop the session's personal data from memory. Succeeds with ``None``."""
    return Operation("end_session", "busy.ending", session.forget_personal_data, session.session_id)


def abandon(session: RentalSession) -> Operation:
    """Cancel an unfinished session after the idle timeout, then drop its personal data. Succeeds with ``None``.

    The data is dropped even when the cancellation raises (a store error), and the
    error is then reported as the operation's failure.
    """

    def work() -> None:
        try:
            session.cancel()
        finally:
            session.forget_personal_data()

    return Operation("abandon", "busy.ending", work, session.session_id)
