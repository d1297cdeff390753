"""The kiosk's idle timeout: a warning before the end, then a signal that the window ends the session.

A customer who walks away must not leave their name, card data or contract on screen
for the next person. :class:`IdleWatch` counts the time since the last touch, key,
mouse or pen input anywhere in the application.
"""

import logging

from kiosk.ui.qt import QApplication, QEvent, QObject, QTimer, Signal

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 120.0
WARNING_SECONDS = 15.0

# Input that proves someone is at the kiosk. Mouse moves count, because the signature
# pad and a mouse both report them while in use.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.KeyPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
        QEvent.Type.Wheel,
    }
)


class IdleWatch(QObject):
    """Emits ``warning_started`` after ``idle_seconds - warning_seconds`` without input, and ``expired`` at ``idle_seconds``.

    The watch counts only while armed (:meth:`arm`). Any input while armed starts the
    count again, and input during the warning also emits ``warning_cancelled``.
    :meth:`restart` starts the count again without input, as when a long operation ends.
    """

    warning_started = Signal()
    warning_cancelled = Signal()
    expired = Signal()

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_SECONDS, warning_seconds: float = WARNING_SECONDS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._warning_timer = QTimer(self)
        self._warning_timer.setSingleShot(True)
        self._warning_timer.timeout.connect(self._warn)
        self._expiry_timer = QTimer(self)
        self._expiry_timer.setSingleShot(True)
        self._expiry_timer.timeout.connect(self._expire)
        self._armed = False
        self._warning = False
        self.configure(idle_seconds, warning_seconds)

        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(self)

    def configure(self, idle_seconds: float, warning_seconds: float = WARNING_SECONDS) -> None:
        """Set the timeout and the warning before it, in seconds. Raises ``ValueError`` unless 0 < warning < idle."""
        if not 0 < warning_seconds < idle_seconds:
            raise ValueError(f"the idle warning ({warning_seconds} s) must be shorter than the idle timeout ({idle_seconds} s)")
        self.idle_seconds = idle_seconds
        self.warning_seconds = warning_seconds
        if self._armed:
            self.restart()

    @property
    def armed(self) -> bool:
        return self._armed

    @property
    def warning(self) -> bool:
        """True from ``warning_started`` until input, :meth:`restart`, :meth:`disarm` or expiry."""
        return self._warning

    def seconds_left(self) -> float:
        """Return the seconds until expiry while the warning runs, else the full warning period."""
        if self._expiry_timer.isActive():
            return self._expiry_timer.remainingTime() / 1000
        return self.warning_seconds

    def arm(self) -> None:
        """Start counting, unless the watch already counts."""
        if not self._armed:
            self._armed = True
            self.restart()

    def disarm(self) -> None:
        """Stop counting and drop a running warning without emitting ``warning_cancelled``."""
        self._armed = False
        self._warning = False
        self._warning_timer.stop()
        self._expiry_timer.stop()

    def restart(self) -> None:
        """Start the count again from zero; a running warning ends with ``warning_cancelled``."""
        if not self._armed:
            return
        self._expiry_timer.stop()
        self._warning_timer.start(round((self.idle_seconds - self.warning_seconds) * 1000))
        if self._warning:
            self._warning = False
            self.warning_cancelled.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._armed and event.type() in ACTIVITY_EVENTS:
            self.restart()
        return False

    def _warn(self) -> None:
        self._warning = True
        self._expiry_timer.start(round(self.warning_seconds * 1000))
        log.info("no input for %.0f s: showing the idle warning", self.idle_seconds - self.warning_seconds)
        self.warning_started.emit()

    def _expire(self) -> None:
        self._warning = False
        self._armed = False
        log.info("no input for %.0f s: the idle timeout expired", self.idle_seconds)
        self.expired.emit()
