"""The signing screen: an on-screen signature canvas with clear and submit."""

from kiosk.checks import Outcome
from kiosk.messages import Message
from kiosk.session import StageRecord
from kiosk.ui import session_ops, strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QScroller, Qt
from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets.signature_canvas import SignatureCanvas


class SignScreen(Screen):
    """Sends the drawn signature to ``session.sign``. A rejected signature shows the reason and clears the canvas.

    Submit is enabled only while the canvas has ink, so an empty canvas cannot be sent.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "sign.title")
        self._contract_no = ""
        self.add_label(self._contract_line, name="subtitle")
        self.add_label("sign.body")

        # The canvas takes the room the text leaves, up to the whole pad. With large type it
        # is shown smaller, and the signature is still recorded in pad units.
        self.canvas = SignatureCanvas(self)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.body.addWidget(self.canvas, 1, Qt.AlignmentFlag.AlignHCenter)
        # Room left once the canvas is the whole pad goes below it, not between the lines of text.
        self.body.addStretch(0)
        # A stroke on the canvas must never scroll the page under the pen.
        QScroller.ungrabGesture(self.body_scroll.viewport())

        self.clear_button = self.add_button("sign.clear", self._clear_canvas, name="clearButton")
        self.submit_button = self.add_button("sign.submit", self._submit, primary=True, name="submitButton")
        self.submit_button.setEnabled(False)

    def _contract_line(self) -> Message:
        return strings.message("sign.contract_no").format(number=self._contract_no)

    def enter(self) -> None:
        super().enter()
        draft = self.session.draft
        self._contract_no = draft.contract_number if draft is not None else ""
        self.canvas.clear()
        self.retranslate()

    def clear(self) -> None:
        super().clear()
        self._contract_no = ""
        self.canvas.clear()
        self.retranslate()

    def _clear_canvas(self) -> None:
        self.show_notice(None)
        self.canvas.clear()

    def _on_canvas_changed(self, point_count: int) -> None:
        # The customer has started a new signature, so the reason the last one was rejected no longer applies.
        if point_count == 1:
            self.show_notice(None)
        self.submit_button.setEnabled(point_count > 0)

    def _submit(self) -> None:
        self.show_notice(None)
        self.start(session_ops.sign(self.session, self.canvas.signature()), self._on_record)

    def _on_record(self, record: StageRecord) -> None:
        if record.outcome is Outcome.RETRY:
            self.canvas.clear()
        self.handle_record(record)
