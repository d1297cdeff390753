"""The welcome screen: a start button, usable once the branch runtime has started."""

from kiosk.messages import Message
from kiosk.session import RentalSession
from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.screens.base import Screen


class WelcomeScreen(Screen):
    """Starts a new session. The language switch is in the window header above it."""

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "welcome.title")
        self.add_label("welcome.body")
        self.body.addStretch(1)
        self.start_button = self.add_button("welcome.start", self._begin, primary=True, name="startButton")
        self.start_button.setEnabled(False)
        self._unavailable: Message | None = None

    def set_available(self, available: bool, reason: Message | None = None) -> None:
        """Enable the start button when ``available``, or else disable it and show ``reason``."""
        self._unavailable = None if available else reason
        self.start_button.setEnabled(available)
        self.show_notice(self._unavailable, "error")

    def enter(self) -> None:
        self.show_notice(self._unavailable, "error")

    def clear(self) -> None:
        self.show_notice(self._unavailable, "error")

    def _begin(self) -> None:
        self.show_notice(None)
        self.start(session_ops.begin_session(self.context.runtime, self.context.prepare_session), self._began)

    def _began(self, session: RentalSession) -> None:
        self.context.session = session
        self.advance_requested.emit()
