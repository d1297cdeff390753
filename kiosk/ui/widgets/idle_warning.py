"""The "are you still there?" overlay shown over the whole kiosk window before the idle timeout ends a session."""

from collections.abc import Callable

from kiosk.ui import strings
from kiosk.ui.qt import QEvent, QFrame, QLabel, QObject, QPushButton, Qt, QTimer, QVBoxLayout, QWidget

_COUNTDOWN_MS = 250


class IdleWarning(QFrame):
    """Covers ``parent`` with a dimmed layer and a card: a question, a countdown and one continue button.

    ``seconds_left`` is called while the overlay is shown to set the countdown.
    ``continue_button`` only needs to be pressed: the press itself is input, which the
    idle watch counts, and the window then hides the overlay.
    """

    def __init__(self, parent: QWidget, seconds_left: Callable[[], float]) -> None:
        super().__init__(parent)
        self.setObjectName("idleWarning")
        self.setStyleSheet("QFrame#idleWarning { background: rgba(20, 30, 40, 150); }")
        self._seconds_left = seconds_left
        self._language = "zh"

        card = QFrame(self)
        card.setObjectName("card")
        card.setMinimumWidth(720)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.setSpacing(24)
        self.title = QLabel(card)
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.body = QLabel(card)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.body)
        self.continue_button = QPushButton(card)
        self.continue_button.setObjectName("idleContinueButton")
        self.continue_button.setProperty("primary", "true")
        layout.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignCenter)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addStretch(1)

        self._countdown = QTimer(self)
        self._countdown.setInterval(_COUNTDOWN_MS)
        self._countdown.timeout.connect(self._update_body)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The overlay follows the size of the window it covers.
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return super().eventFilter(watched, event)

    def open(self) -> None:
        """Cover the parent and start the countdown."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self._update_body()
        self.show()
        self.raise_()
        self._countdown.start()

    def close_warning(self) -> None:
        self._countdown.stop()
        self.hide()

    def retranslate(self, language: str) -> None:
        self._language = language
        self.title.setText(strings.text("idle.title", language))
        self.continue_button.setText(strings.text("idle.continue", language))
        self._update_body()

    def _update_body(self) -> None:
        seconds = max(0, round(self._seconds_left()))
        self.body.setText(strings.message("idle.body").format(seconds=seconds).text(self._language))
