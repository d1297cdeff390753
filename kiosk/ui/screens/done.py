"""The done screen: the signed contract's number and a button that ends the session."""

from kiosk.messages import Message
from kiosk.ui import strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import Qt
from kiosk.ui.screens.base import Screen


class DoneScreen(Screen):
    """Shows the contract number from ``session.signed``. "Finish" returns to the welcome screen."""

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "done.title")
        self.contract_no = ""
        self.number_label = self.add_label(self._number_line, name="bigNumber")
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_label("done.body")
        self.body.addStretch(1)
        self.finish_button = self.add_button("done.finish", self.restart_requested.emit, primary=True, name="finishButton")

    def _number_line(self) -> Message:
        return strings.message("done.contract_no").format(number=self.contract_no)

    def enter(self) -> None:
        super().enter()
        signed = self.session.signed
        self.contract_no = signed.contract_no if signed is not None else ""
        # The signing step's own sentence only repeats the number shown large, so no notice.
        self.retranslate()

    def clear(self) -> None:
        super().clear()
        self.contract_no = ""
        self.retranslate()
