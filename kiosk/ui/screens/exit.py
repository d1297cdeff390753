"""The exit screen for every session that ends without a contract: refused, clerk review, cancelled."""

from kiosk.messages import Message
from kiosk.session import Stage
from kiosk.ui import strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QLabel
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_style_property
from kiosk.ui.widgets.checklist import Checklist

_TITLE_KEYS = {
    Stage.REFUSED: "exit.refused.title",
    Stage.CLERK_REVIEW: "exit.clerk_review.title",
    Stage.CANCELLED: "exit.cancelled.title",
}


class ExitScreen(Screen):
    """Shows why the session ended (the last record's reason), the checks so far and "start again"."""

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, self._title)
        self.stage = Stage.CANCELLED
        self._reason: Message | None = None
        self._session_id = ""

        self.reason_label = QLabel(self)
        self.reason_label.setObjectName("notice")
        self.reason_label.setWordWrap(True)
        self.texts.bind(self.reason_label.setText, self._reason_text)
        self.body.addWidget(self.reason_label)

        self.reference_label = self.add_label(self._reference_text, name="muted")
        self.checklist = Checklist(self)
        self.body.addWidget(self.checklist)
        self.body.addStretch(1)
        self.start_again_button = self.add_button(
            "exit.start_again", self.restart_requested.emit, primary=True, name="startAgainButton"
        )

    def _title(self) -> Message:
        return strings.message(_TITLE_KEYS.get(self.stage, "exit.cancelled.title"))

    def _reason_text(self) -> Message:
        return self._reason or Message("", "")

    def _reference_text(self) -> Message:
        return strings.message("exit.reference").format(session_id=self._session_id)

    def enter(self) -> None:
        super().enter()
        session = self.session
        self.stage = session.stage
        record = session.last_record
        self._reason = record.reason if record is not None else None
        self._session_id = session.session_id
        # Staff look a refused or referred customer up by this id. A cancelled session stored nothing to look up.
        self.reference_label.setVisible(self.stage is not Stage.CANCELLED)
        set_style_property(self.reason_label, "kind", "error" if self.stage is Stage.REFUSED else "info")
        self.checklist.set_checks(session.checks, self.language)
        self.retranslate()

    def clear(self) -> None:
        super().clear()
        self._reason = None
        self._session_id = ""
        self.checklist.clear()
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.checklist.retranslate(self.language)
