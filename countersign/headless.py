"""Driving a rental session without a screen: the demo, and the kiosk when no display is present."""

import logging
from collections.abc import Callable

from devices.signature_pad import SignaturePad
from kiosk.checks import Outcome
from kiosk.session import RentalSession, Stage, StageRecord

log = logging.getLogger(__name__)

MAX_RETRIES_PER_STAGE = 3


def drive_session(
    session: RentalSession,
    pad: SignaturePad,
    on_record: Callable[[StageRecord], None] = lambda record: None,
) -> None:
    """Walk ``session`` to a terminal stage as a customer who gives both consents and agrees to everything would.

    A step that returns a retry outcome is tried at most three times in all, then the session is cancelled.
    """
    steps: dict[Stage, Callable[[], StageRecord]] = {
        Stage.WELCOME: session.start,
        Stage.CONSENT: lambda: session.give_consent(id_processing=True, face_processing=True),
        Stage.DOCUMENT: session.read_document,
        Stage.LICENCE: session.check_licence,
        Stage.FACE: session.capture_face,
        Stage.VERIFICATION: session.verify,
        Stage.CONTRACT: lambda: session.prepare_contract() if session.draft is None else session.acknowledge(session.clauses_to_acknowledge),
        Stage.SIGN: lambda: session.sign(pad.capture()),
    }
    retries: dict[Stage, int] = {}
    while not session.finished:
        stage = session.stage
        record = steps[stage]()
        on_record(record)
        if record.outcome is Outcome.RETRY:
            retries[stage] = retries.get(stage, 0) + 1
            if retries[stage] >= MAX_RETRIES_PER_STAGE:
                log.warning("session %s: giving up on %s after %d retries", session.session_id, stage.value, retries[stage])
                cancelled = session.cancel()
                if cancelled is not None:
                    on_record(cancelled)
