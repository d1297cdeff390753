"""The parts every kiosk screen shares: title, notice line, button row, translation and operations."""

import logging
from collections.abc import Callable

from kiosk.checks import Outcome
from kiosk.messages import Message
from kiosk.session import RentalSession, StageRecord
from kiosk.ui.context import KioskContext
from kiosk.ui.errors import customer_message
from kiosk.ui.operations import Operation
from kiosk.ui.qt import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget, Signal
from kiosk.ui.style import set_style_property
from kiosk.ui.translation import TextBindings, TextSource

log = logging.getLogger(__name__)


class Screen(QWidget):
    """One page of the kiosk window.

    A screen starts operations and reacts to their signals, and never calls the session
    itself. When the session has moved on, the screen emits ``advance_requested`` and the
    window shows the screen for the session's new stage. ``restart_requested`` requests
    that the window end the session and return to the welcome screen.

    Subclasses put their widgets in ``self.body`` and their buttons through
    :meth:`add_button`, bind every text with ``self.texts.bind`` and override
    :meth:`enter` (the screen is shown for the current session) and :meth:`clear`
    (forget everything shown about a customer).
    """

    advance_requested = Signal()
    restart_requested = Signal()

    def __init__(self, context: KioskContext, title: TextSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.texts = TextBindings()
        self._notice_message: Message | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(56, 36, 56, 36)
        layout.setSpacing(20)

        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.texts.bind(self.title.setText, title)
        layout.addWidget(self.title)

        self.body = QVBoxLayout()
        self.body.setSpacing(18)
        layout.addLayout(self.body, 1)

        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(24)
        self.buttons.addStretch(1)
        layout.addLayout(self.buttons)

    # Building ------------------------------------------------------------------

    def add_button(self, key: TextSource, on_click: Callable[[], None], primary: bool = False, name: str = "") -> QPushButton:
        """Add a button to the bottom row. ``name`` becomes its objectName, for tests and the style sheet."""
        button = QPushButton(self)
        button.setObjectName(name)
        button.setProperty("primary", "true" if primary else "false")
        self.texts.bind(button.setText, key)
        button.clicked.connect(on_click)
        self.buttons.addWidget(button)
        return button

    def add_label(self, source: TextSource, name: str = "") -> QLabel:
        """Add a word-wrapped body label bound to ``source``."""
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        self.texts.bind(label.setText, source)
        self.body.addWidget(label)
        return label

    # Life cycle ----------------------------------------------------------------

    @property
    def language(self) -> str:
        return self.context.language

    @property
    def session(self) -> RentalSession:
        """The running session. Raises ``RuntimeError`` when there is none, which is a programming error."""
        if self.context.session is None:
            raise RuntimeError(f"{type(self).__name__} needs a running session")
        return self.context.session

    def enter(self) -> None:
        """Prepare the screen for the current session. The base implementation clears the notice."""
        self.show_notice(None)

    def clear(self) -> None:
        """Forget what the screen shows about the last customer."""
        self.show_notice(None)

    def retranslate(self) -> None:
        """Set every text of the screen again in the context's language."""
        self.texts.apply(self.language)
        if self._notice_message is not None:
            self.notice.setText(self._notice_message.text(self.language))

    # Notices -------------------------------------------------------------------

    def show_notice(self, message: Message | None, kind: str = "error") -> None:
        """Show ``message`` under the body in the style ``kind`` ("error", "info" or "success").

        ``None`` hides the notice.
        """
        self._notice_message = message
        if message is None:
            self.notice.clear()
            self.notice.hide()
            return
        set_style_property(self.notice, "kind", kind)
        self.notice.setText(message.text(self.language))
        self.notice.show()

    @property
    def notice_message(self) -> Message | None:
        return self._notice_message

    # Operations ----------------------------------------------------------------

    def start(self, operation: Operation, on_success: Callable[[object], None]) -> None:
        """Run ``operation`` on the worker and pass its result to ``on_success`` on the UI thread.

        A failure shows the customer the sentence :func:`kiosk.ui.errors.customer_message`
        gives for the exception, never its text. The runner has already logged its traceback.
        """
        operation.succeeded.connect(on_success)
        operation.failed.connect(self._show_failure)
        self.context.runner.run(operation)

    def _show_failure(self, error: Exception) -> None:
        self.show_notice(customer_message(error), "error")

    def handle_record(self, record: StageRecord) -> None:
        """Show the reason and stay on a ``retry`` outcome, and move on after any other outcome."""
        if record.outcome is Outcome.RETRY:
            self.show_notice(record.reason, "error")
            return
        self.advance_requested.emit()
