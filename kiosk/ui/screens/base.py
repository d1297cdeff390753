"""The parts every kiosk screen shares: title, notice line, button row, translation and operations."""

import logging
from collections.abc import Callable

from kiosk.checks import Outcome
from kiosk.messages import Message
from kiosk.session import RentalSession, StageRecord
from kiosk.ui.context import KioskContext
from kiosk.ui.errors import customer_message
from kiosk.ui.operations import Operation
from kiosk.ui.qt import (
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QObject,
    QPushButton,
    QScrollArea,
    QScroller,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from kiosk.ui.style import set_style_property, spacing
from kiosk.ui.translation import TextBindings, TextSource

log = logging.getLogger(__name__)


class _BodyContent(QWidget):
    """The scrolled part of a screen, whose height for a width is the least its layout can take.

    For a layout with word-wrapped labels, a scroll area sizes its content by
    ``heightForWidth``, which QWidget computes from preferred sizes. A camera preview or
    signature canvas would then count at its preferred size and scroll a body that fits.
    The minimum lets them shrink first, so the body scrolls only when that is not enough.
    """

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is None:
            return super().heightForWidth(width)
        return layout.totalMinimumHeightForWidth(width)


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

    The body lies in a scroll area (``body_scroll``) that scrolls by touch. It gives the
    body all the room between the title and the buttons, and scrolls only when the body
    needs more, as a long checklist does or any screen with large type. The title and
    the buttons always stay in view. While part of the body lies below the visible part,
    the label ``more_below`` is shown along the bottom of the visible part.
    """

    advance_requested = Signal()
    restart_requested = Signal()

    def __init__(self, context: KioskContext, title: TextSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.context = context
        self.texts = TextBindings()
        self._notice_message: Message | None = None

        font_scale = context.runtime.config.kiosk_font_scale
        layout = QVBoxLayout(self)
        layout.setContentsMargins(spacing(56, font_scale), spacing(36, font_scale), spacing(56, font_scale), spacing(36, font_scale))
        layout.setSpacing(spacing(20, font_scale))

        self.title = QLabel(self)
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.texts.bind(self.title.setText, title)
        layout.addWidget(self.title)

        content = _BodyContent()
        content.setObjectName("page")
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(spacing(18, font_scale))
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setObjectName("bodyScroll")
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setWidget(content)
        QScroller.grabGesture(self.body_scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        layout.addWidget(self.body_scroll, 1)

        # The cue lies over the bottom of the visible part rather than below it, so showing
        # it takes no room from the body. It hides at the end, so it never covers the last line.
        viewport = self.body_scroll.viewport()
        self.more_below = QLabel(viewport)
        self.more_below.setObjectName("moreBelow")
        self.more_below.setWordWrap(True)
        self.more_below.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.more_below.setText, "screen.more_below")
        self.more_below.hide()
        viewport.installEventFilter(self)
        bar = self.body_scroll.verticalScrollBar()
        bar.rangeChanged.connect(lambda _minimum, _maximum: self._update_more_below())
        bar.valueChanged.connect(lambda _value: self._update_more_below())

        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(spacing(24, font_scale))
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.body_scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._update_more_below()
        return super().eventFilter(watched, event)

    def _update_more_below(self) -> None:
        """Show the cue along the bottom of the visible body while some of the body lies below it."""
        bar = self.body_scroll.verticalScrollBar()
        if bar.value() >= bar.maximum():
            self.more_below.hide()
            return
        viewport = self.body_scroll.viewport()
        height = self.more_below.heightForWidth(viewport.width())
        self.more_below.setGeometry(0, viewport.height() - height, viewport.width(), height)
        self.more_below.show()
        self.more_below.raise_()

    def focus_target(self) -> QWidget | None:
        """Return the control a keyboard user goes on with: the enabled primary button, or None.

        A button that declines or cancels is never returned, so that pressing Enter twice
        cannot decline for the customer. Screens whose step goes on through another
        control first (a box to tick, a text to read) return that control instead.
        """
        primary = [
            button
            for button in self.findChildren(QPushButton)
            if button.property("primary") == "true" and button.isVisibleTo(self) and button.isEnabled()
        ]
        return primary[-1] if primary else None

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
