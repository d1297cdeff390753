"""The consent screen: the notice on processing identity and face data, accept or decline."""

from kiosk.session.consent import CONSENT_TEXT
from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QFrame, QLabel, QScrollArea, QScroller, QVBoxLayout
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_paragraph


class ConsentScreen(Screen):
    """Shows :data:`CONSENT_TEXT` and records the customer's response. Declining ends the session."""

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "consent.title")

        card = QFrame(self)
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 24, 28, 24)
        self.consent_text = QLabel(card)
        self.consent_text.setObjectName("consentText")
        self.consent_text.setWordWrap(True)
        self.texts.bind(lambda text: set_paragraph(self.consent_text, text), CONSENT_TEXT)
        card_layout.addWidget(self.consent_text)
        card_layout.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(card)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.body.addWidget(scroll, 1)

        self.decline_button = self.add_button("consent.decline", lambda: self._answer(False), name="declineButton")
        self.accept_button = self.add_button("consent.accept", lambda: self._answer(True), primary=True, name="acceptButton")

    def _answer(self, accepted: bool) -> None:
        self.show_notice(None)
        self.start(session_ops.give_consent(self.session, accepted), self.handle_record)
