"""Starting the Qt kiosk: the application, the window, the branch runtime and a clean stop."""

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType, TracebackType

from countersign.config import BranchConfig
from countersign.demo_branch import seed_demo_reservation
from countersign.runtime import BranchRuntime
from kiosk.ui.errors import report_error
from kiosk.ui.qt import QApplication, QtMsgType, QTimer, qInstallMessageHandler
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

# How often the Qt event loop hands control back to Python, so that a SIGTERM from the
# service manager is handled within this many milliseconds.
_SIGNAL_POLL_MS = 250

_QT_LOG_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def demo_preparation(config: BranchConfig) -> Callable[[BranchRuntime], None] | None:
    """Return the step that books the demo customer's car before each session, or ``None`` for a real branch.

    A branch whose reader is simulated is a demo branch: its only customer is the
    simulated card's holder, and the reservation is booked again from the current time
    for every session, as ``countersign demo`` does. It runs on the worker thread,
    because the store belongs to that thread.
    """
    if config.reader.kind != "simulated":
        return None

    def seed(runtime: BranchRuntime) -> None:
        assert runtime.services is not None
        reservation = seed_demo_reservation(runtime.services.store, runtime.clock())
        log.info("demo reservation %s booked", reservation.reservation_no)

    return seed


def build_window(runtime: BranchRuntime, windowed: bool, prepare_session: Callable[[BranchRuntime], None] | None) -> KioskWindow:
    """Create the kiosk window for ``runtime``. The caller shows the window and starts the runtime."""
    return KioskWindow(runtime, kiosk_mode=not windowed, prepare_session=prepare_session)


def run_kiosk(config: BranchConfig, windowed: bool = False) -> int:
    """Run the kiosk until the window closes (windowed) or SIGTERM or SIGINT arrives, and return the exit status.

    In kiosk mode the window is full screen and ignores Escape and close requests. The
    branch runtime starts on the worker thread once the window is up and stops there
    when the application quits.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CounterSign")
    qInstallMessageHandler(_log_qt_message)

    runtime = BranchRuntime(config)
    window = build_window(runtime, windowed, demo_preparation(config))
    app.aboutToQuit.connect(window.shutdown)

    def stop(signal_number: int, _frame: FrameType | None) -> None:
        log.info("signal %d received, quitting the kiosk", signal_number)
        window.allow_close()
        app.quit()

    previous_handlers = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    previous_hook = sys.excepthook
    sys.excepthook = _uncaught_error_handler(window)
    poll = QTimer()
    poll.timeout.connect(lambda: None)
    poll.start(_SIGNAL_POLL_MS)

    log.info("kiosk starting for branch %s (%s)", config.branch.branch_id, "windowed" if windowed else "kiosk mode")
    if windowed:
        window.show()
    else:
        # Without a window manager, full screen does not resize a window by itself.
        screen = app.primaryScreen()
        if screen is not None:
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    window.start_runtime()
    try:
        status = app.exec()
    finally:
        poll.stop()
        window.shutdown()
        sys.excepthook = previous_hook
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
    log.info("kiosk stopped with status %d", status)
    return status


def _uncaught_error_handler(window: KioskWindow):
    """Return an excepthook that logs an error raised in a slot and shows the customer a sentence for it.

    Without it, PySide6 prints the traceback to stderr and the customer sees nothing.
    """

    def handle(error_type: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
        if issubclass(error_type, KeyboardInterrupt):
            sys.__excepthook__(error_type, error, traceback)
            return
        session = window.context.session
        error.__traceback__ = traceback
        window.show_message(report_error(error, "a kiosk UI slot", session.session_id if session is not None else "-"))

    return handle


def _log_qt_message(message_type: QtMsgType, _context: object, message: str) -> None:
    logging.getLogger("qt").log(_QT_LOG_LEVELS.get(message_type, logging.WARNING), "%s", message)
