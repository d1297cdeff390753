"""The face screen: take the customer's picture, and take it again after "no face found" and similar reasons."""

from kiosk.checks import Outcome
from kiosk.messages import Message
from kiosk.session import StageRecord
from kiosk.ui import session_ops, strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QLabel, Qt
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_style_property


class FaceScreen(Screen):
    """Captures through the session and shows a check mark once a face was captured.

    NOTE: there is no live camera preview yet, so the customer cannot see how they are
    framed before pressing the button.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "face.title")
        self.add_label("face.body")

        self.body.addStretch(1)
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
        self.body.addStretch(2)

        self._attempted = False
        self._captured_record: StageRecord | None = None
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

    def _captured_reason(self) -> Message:
        return self._captured_record.reason if self._captured_record is not None else Message("", "")

    def enter(self) -> None:
        super().enter()
        self._reset()

    def clear(self) -> None:
        super().clear()
        self._reset()

    def _reset(self) -> None:
        self._attempted = False
        self._captured_record = None
        self.captured_mark.hide()
        self.captured_text.hide()
        self.capture_button.show()
        self.continue_button.hide()
        self.retranslate()

    def _capture(self) -> None:
        self.show_notice(None)
        self.start(session_ops.capture_face(self.session), self._on_record)

    def _on_record(self, record: StageRecord) -> None:
        self._attempted = True
        if record.outcome is Outcome.PASS:
            self._captured_record = record
            self.captured_mark.show()
            self.captured_text.show()
            self.capture_button.hide()
            self.continue_button.show()
            self.retranslate()
            return
        self.retranslate()
        self.handle_record(record)
