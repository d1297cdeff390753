"""The document screen: place the ID card on the reader and read it, as often as a read fails."""

from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.screens.base import Screen


class DocumentScreen(Screen):
    """Reads the card through the session. After a ``retry`` outcome it shows the reader's message and stays."""

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "document.title")
        self.add_label("document.body")
        self.body.addStretch(1)
        self.read_button = self.add_button("document.read", self._read, primary=True, name="readButton")

    def _read(self) -> None:
        self.show_notice(None)
        self.start(session_ops.read_document(self.session), self.handle_record)
