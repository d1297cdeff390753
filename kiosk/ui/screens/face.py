"""The face screen: a live camera preview, then the customer's picture, taken again after "no face found" and similar reasons."""

import logging

from devices.camera_feed import CameraFeed
from kiosk.checks import Outcome
from kiosk.identity.face import FaceModel
from kiosk.messages import Message
from kiosk.session import StageRecord
from kiosk.ui import session_ops, strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QHideEvent, QLabel, QShowEvent, Qt
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_style_property
from kiosk.ui.widgets.camera_preview import CameraPreview

log = logging.getLogger(__name__)


class FaceScreen(Screen):
    """Shows the camera live until a face is captured through the session, then a check mark.

    The preview runs while this screen is shown for a session whose face is not yet
    captured. It stops when the screen is hidden (the customer moved on or cancelled),
    when the kiosk resets (:meth:`clear`), after a successful capture and at
    :meth:`stop_preview`.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "face.title")
        self.add_label("face.body")
        # With liveness, the movement the customer must make while the frames are taken.
        self.challenge_label = self.add_label(self._challenge_prompt, name="subtitle")

        # The preview takes all free space. Once it is hidden, the two spacers share that
        # space, so the check mark sits in the middle.
        self.body.addStretch(0)
        self.preview = CameraPreview(self)
        self.body.addWidget(self.preview, 1)
        self.captured_mark = QLabel("✓", self)
        self.captured_mark.setObjectName("bigMark")
        set_style_property(self.captured_mark, "outcome", "pass")
        self.captured_mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.captured_mark)
        self.captured_text = QLabel(self)
        self.captured_text.setObjectName("subtitle")
        set_style_property(self.captured_text, "outcome", "pass")
        self.captured_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.captured_text.setText, self._captured_reason)
        self.body.addWidget(self.captured_text)
        self.body.addStretch(0)

        self._attempted = False
        self._captured_record: StageRecord | None = None
        self._preview_requested = False
        self.capture_button = self.add_button(
            lambda: strings.message("face.retake" if self._attempted else "face.capture"),
            self._capture,
            primary=True,
            name="captureButton",
        )
        self.continue_button = self.add_button("face.continue", self.advance_requested.emit, primary=True, name="continueButton")
        self._reset()

    @property
    def captured(self) -> bool:
        return self._captured_record is not None

    def _challenge_prompt(self) -> Message:
        session = self.context.session
        prompt = session.challenge_prompt if session is not None else None
        return prompt or Message("", "")

    def _captured_reason(self) -> Message:
        return self._captured_record.reason if self._captured_record is not None else Message("", "")

    def enter(self) -> None:
        super().enter()
        self._reset()
        self._preview_requested = True
        self._start_preview()

    def clear(self) -> None:
        super().clear()
        self._reset()

    def retranslate(self) -> None:
        super().retranslate()
        self.preview.set_language(self.language)

    def stop_preview(self) -> None:
        """Stop the preview and its detector for good, as on shutdown; returns at once."""
        self._preview_requested = False
        self.preview.stop()

    def _reset(self) -> None:
        self.stop_preview()
        self._attempted = False
        self._captured_record = None
        self.preview.show()
        self.challenge_label.show()
        self.captured_mark.hide()
        self.captured_text.hide()
        self.capture_button.show()
        self.continue_button.hide()
        self.retranslate()

    # Preview -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._preview_requested and not self.preview.running:
            self._start_preview()

    def hideEvent(self, event: QHideEvent) -> None:
        # The preview and the detector stop whenever the screen is not on view. The
        # window hides this screen when it shows any other one.
        self.preview.stop()
        super().hideEvent(event)

    def _start_preview(self) -> None:
        feed, model = self._camera_sources()
        if feed is None:
            log.warning("the camera is not wrapped in a camera feed, so the face screen shows no preview")
            self.preview.hide()
            return
        self.preview.start(feed, model)

    def _camera_sources(self) -> tuple[CameraFeed | None, FaceModel | None]:
        """Return the runtime's camera feed and face model, or ``(None, None)`` without a feed.

        The runtime sets its services once, at start on the worker thread, before any
        session exists. The feed and the model may be called from any thread.
        """
        services = self.context.runtime.services
        if services is None or not isinstance(services.camera, CameraFeed):
            return None, None
        return services.camera, services.face_matcher.model

    # Capture -------------------------------------------------------------------

    def _capture(self) -> None:
        self.show_notice(None)
        self.start(session_ops.capture_face(self.session), self._on_record)

    def _on_record(self, record: StageRecord) -> None:
        self._attempted = True
        if record.outcome is Outcome.PASS:
            self._captured_record = record
            self.stop_preview()
            self.preview.hide()
            self.challenge_label.hide()
            self.captured_mark.show()
            self.captured_text.show()
            self.capture_button.hide()
            self.continue_button.show()
            self.retranslate()
            return
        self.retranslate()
        self.handle_record(record)
