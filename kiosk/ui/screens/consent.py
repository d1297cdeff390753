"""The consent screen: two separate, un-ticked consents, to ID processing and to face processing."""

from kiosk.session.consent import ConsentNotice, face_consent_notice, id_consent_notice
from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QCheckBox, QFrame, QLabel, QScrollArea, QScroller, Qt, QVBoxLayout, QWidget
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_paragraph


class ConsentScreen(Screen):
    """Shows each consent's purpose and retention period beside its own check box, both un-ticked.

    "Continue" needs the ID-processing box ticked and sends both answers; an un-ticked
    face box sends the customer to a clerk before any camera step. "Decline" refuses ID
    processing, which sends the customer to the counter.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "consent.title")
        retention = context.runtime.config.retention

        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(18)
        self.id_box = self._add_notice(content, content_layout, id_consent_notice(retention), "idConsentBox")
        self.face_box = self._add_notice(content, content_layout, face_consent_notice(retention), "faceConsentBox")
        content_layout.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.body.addWidget(scroll, 1)

        decline_key = "consent.decline_assisted" if context.assisted else "consent.decline"
        self.decline_button = self.add_button(decline_key, self._decline, name="declineButton")
        self.continue_button = self.add_button("consent.continue", self._continue, primary=True, name="continueButton")
        self.id_box.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.setEnabled(False)

    def _add_notice(self, parent: QWidget, layout: QVBoxLayout, notice: ConsentNotice, name: str) -> QCheckBox:
        card = QFrame(parent)
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 24, 28, 24)
        for text in (notice.purpose, notice.retention):
            label = QLabel(card)
            label.setObjectName("consentText")
            label.setWordWrap(True)
            self.texts.bind(lambda value, label=label: set_paragraph(label, value), text)
            card_layout.addWidget(label)
        box = QCheckBox(card)
        box.setObjectName(name)
        self.texts.bind(box.setText, notice.title)
        card_layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(card)
        return box

    def focus_target(self) -> QWidget | None:
        """Return the ID-processing box until it is ticked, then the continue button."""
        return super().focus_target() or self.id_box

    def enter(self) -> None:
        super().enter()
        self._untick()

    def clear(self) -> None:
        super().clear()
        self._untick()

    def _untick(self) -> None:
        self.id_box.setChecked(False)
        self.face_box.setChecked(False)
        self.continue_button.setEnabled(False)

    def _continue(self) -> None:
        self.show_notice(None)
        self.start(session_ops.give_consent(self.session, self.id_box.isChecked(), self.face_box.isChecked()), self.handle_record)

    def _decline(self) -> None:
        self.show_notice(None)
        self.start(session_ops.give_consent(self.session, False, self.face_box.isChecked()), self.handle_record)
