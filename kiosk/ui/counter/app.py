"""Starting the counter terminal: the application, the window, a real or a training runtime, and a clean stop."""

import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from countersign.config import BranchConfig
from countersign.runtime import BranchRuntime
from countersign.training import TrainingBranch
from kiosk.ui.app import _log_qt_message, _uncaught_error_handler, demo_preparation
from kiosk.ui.counter.window import CounterWindow
from kiosk.ui.qt import QApplication, QTimer, qInstallMessageHandler

log = logging.getLogger(__name__)

_SIGNAL_POLL_MS = 250


def build_counter_window(config: BranchConfig | None, training: TrainingBranch | None = None) -> CounterWindow:
    """Create the counter window on ``config``'s branch, or on the training branch when ``training`` is given.

    The training branch must be provisioned already. The caller shows the window and
    starts the runtime.
    """
    if training is not None:
        assert training.config is not None
        return CounterWindow(BranchRuntime(training.config, face_model=training.model), training=training)
    assert config is not None
    return CounterWindow(BranchRuntime(config), prepare_session=demo_preparation(config))


def run_counter(config: BranchConfig | None, windowed: bool, training_faces: Path | None = None) -> int:
    """Run the counter terminal until its window closes or SIGTERM or SIGINT arrives; return the exit status.

    With ``training_faces`` (the demo photographs) the terminal runs in training mode on
    a throwaway branch, which is deleted at the end, and ``config`` is not used.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CounterSign")
    qInstallMessageHandler(_log_qt_message)

    training = None
    if training_faces is not None:
        training = TrainingBranch(training_faces)
        training.provision()
    window = build_counter_window(config, training)
    app.aboutToQuit.connect(window.shutdown)

    def stop(signal_number: int, _frame: FrameType | None) -> None:
        log.info("signal %d received, quitting the counter terminal", signal_number)
        app.quit()

    previous_handlers = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    previous_hook = sys.excepthook
    sys.excepthook = _uncaught_error_handler(window)
    poll = QTimer()
    poll.timeout.connect(lambda: None)
    poll.start(_SIGNAL_POLL_MS)

    log.info("counter terminal starting (%s%s)", "windowed" if windowed else "full screen", ", training" if training else "")
    if windowed:
        window.show()
    else:
        window.showMaximized()
    window.start_runtime()
    try:
        status = app.exec()
    finally:
        poll.stop()
        window.shutdown()
        if training is not None:
            training.close()
        sys.excepthook = previous_hook
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
    log.info("counter terminal stopped with status %d", status)
    return status
