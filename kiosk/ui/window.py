"""The kiosk window: header with steps and language switch, one page per stage, and a busy line.

The window picks the screen from the session's stage, so the screens and the headless
demo follow the same state machine. In kiosk mode it is full screen, frameless, and
ignores Escape and close requests (Alt+F4); only :meth:`allow_close` lets it close.
After ``[kiosk] idle_seconds`` without input it warns, then cancels the session and
clears every screen (:mod:`kiosk.ui.idle`).
"""

import logging
from collections.abc import Callable

from countersign.runtime import BranchRuntime
from kiosk.errors import SchemaTooNew, StoreCorrupt, StoreNotEncrypted, StoreOldFormat, WrongStoreKey
from kiosk.messages import Message
from kiosk.session import Stage
from kiosk.ui import session_ops, strings
from kiosk.ui.context import DEFAULT_LANGUAGE, KioskContext
from kiosk.ui.errors import customer_message
from kiosk.ui.idle import WARNING_SECONDS, IdleWatch
from kiosk.ui.lockdown import KioskLockdown
from kiosk.ui.operations import OperationRunner
from kiosk.ui.qt import (
    QCloseEvent,
    QFrame,
    QGuiApplication,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QMainWindow,
    QPushButton,
    QResizeEvent,
    QSizePolicy,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from kiosk.ui.screens.base import Screen
from kiosk.ui.screens.consent import ConsentScreen
from kiosk.ui.screens.contract import ContractScreen
from kiosk.ui.screens.document import DocumentScreen
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.screens.exit import ExitScreen
from kiosk.ui.screens.face import FaceScreen
from kiosk.ui.screens.licence import LicenceScreen
from kiosk.ui.screens.sign import SignScreen
from kiosk.ui.screens.verification import VerificationScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.style import apply_appearance, spacing
from kiosk.ui.widgets.idle_warning import IdleWarning
from kiosk.ui.widgets.step_indicator import StepIndicator
from kiosk.ui.widgets.sync_status import SyncStatusLabel

log = logging.getLogger(__name__)

WINDOWED_SIZE = (1280, 1000)
STOP_TIMEOUT_S = 30.0


class KioskWindow(QMainWindow):
    """The kiosk's only window, which owns the operation runner and drives ``runtime``.

    Call :meth:`start_runtime` once after construction and :meth:`shutdown` once at the
    end, which stops the runtime on the worker thread and ends the worker.
    """

    def __init__(
        self,
        runtime: BranchRuntime,
        kiosk_mode: bool = True,
        prepare_session: Callable[[BranchRuntime], None] | None = None,
    ) -> None:
        super().__init__()
        self.kiosk_mode = kiosk_mode
        self.runner = OperationRunner(self)
        self.context = KioskContext(runtime, self.runner, prepare_session, self)
        self._close_allowed = not kiosk_mode
        self._busy_key = ""
        self._shut_down = False
        self._idle_end_pending = False

        apply_appearance(self, runtime.config.kiosk_theme, runtime.config.kiosk_font_scale)
        if kiosk_mode:
            self.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        else:
            self.resize(*self._windowed_size())

        self._build_header()
        self.stack = QStackedWidget(self)
        self.welcome = WelcomeScreen(self.context)
        self.screens: dict[Stage, Screen] = {
            Stage.WELCOME: self.welcome,
            Stage.CONSENT: ConsentScreen(self.context),
            Stage.DOCUMENT: DocumentScreen(self.context),
            Stage.LICENCE: LicenceScreen(self.context),
            Stage.FACE: FaceScreen(self.context),
            Stage.VERIFICATION: VerificationScreen(self.context),
            Stage.CONTRACT: ContractScreen(self.context),
            Stage.SIGN: SignScreen(self.context),
            Stage.DONE: DoneScreen(self.context),
        }
        self.exit_screen = ExitScreen(self.context)
        for screen in [*self.screens.values(), self.exit_screen]:
            self.stack.addWidget(screen)
            screen.advance_requested.connect(self.show_session_stage)
            screen.restart_requested.connect(self.restart)

        central = QWidget(self)
        central.setObjectName("page")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # The busy line lies over the bottom of the page's body while an operation runs,
        # when the page takes no input, so it takes no room from the page at other times.
        self.busy_label = QLabel(central)
        self.busy_label.setObjectName("busy")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.busy_label.setWordWrap(True)
        self.busy_label.hide()

        idle_seconds = float(runtime.config.kiosk_idle_seconds)
        self.idle = IdleWatch(idle_seconds, min(WARNING_SECONDS, idle_seconds / 2), self)
        self.idle_warning = IdleWarning(self, self.idle.seconds_left)
        self.idle.warning_started.connect(self.idle_warning.open)
        self.idle.warning_cancelled.connect(self.idle_warning.close_warning)
        self.idle.expired.connect(self._idle_expired)
        self.idle_warning.continue_button.clicked.connect(self.idle.restart)
        self.lockdown: KioskLockdown | None = None
        if kiosk_mode:
            self.lockdown = KioskLockdown(self)
            self.lockdown.install()

        self.runner.busy_changed.connect(self._set_busy)
        self.context.language_changed.connect(self.retranslate)
        self.context.language_changed.connect(lambda _language: self._update_idle_watch())
        self._show(self.welcome, Stage.WELCOME)
        self.retranslate()

    @staticmethod
    def _windowed_size() -> tuple[int, int]:
        """Return the preferred window size, shrunk to the screen's free area when that is smaller."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return WINDOWED_SIZE
        available = screen.availableGeometry()
        return min(WINDOWED_SIZE[0], available.width()), min(WINDOWED_SIZE[1], available.height())

    def _build_header(self) -> None:
        self.header = QFrame(self)
        self.header.setObjectName("header")
        # The header keeps the height its buttons and steps need, and the screen below gives way.
        self.header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        font_scale = self.context.runtime.config.kiosk_font_scale
        outer = QVBoxLayout(self.header)
        outer.setContentsMargins(spacing(32, font_scale), spacing(12, font_scale), spacing(32, font_scale), spacing(12, font_scale))
        outer.setSpacing(spacing(6, font_scale))
        top = QHBoxLayout()
        self.app_title = QLabel(self.header)
        self.app_title.setObjectName("appTitle")
        top.addWidget(self.app_title)
        top.addStretch(1)
        self.sync_status = SyncStatusLabel(self.header)
        self.sync_status.setVisible(self.context.runtime.config.hq is not None)
        self.context.runtime.sync_listeners.append(self.sync_status.report_received.emit)
        self.context.runtime.sync_progress_listeners.append(self.sync_status.progress_received.emit)
        top.addWidget(self.sync_status)
        self.cancel_button = QPushButton(self.header)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_session)
        top.addWidget(self.cancel_button)
        self.language_button = QPushButton(self.header)
        self.language_button.setObjectName("languageButton")
        self.language_button.clicked.connect(self.toggle_language)
        top.addWidget(self.language_button)
        outer.addLayout(top)
        self.steps = StepIndicator(self.header)
        outer.addWidget(self.steps)

    # Public API ----------------------------------------------------------------

    @property
    def current_screen(self) -> Screen:
        screen = self.stack.currentWidget()
        assert isinstance(screen, Screen)
        return screen

    def start_runtime(self) -> None:
        """Start the branch runtime on the worker. The start button stays disabled until it has started."""
        operation = session_ops.start_runtime(self.context.runtime)
        operation.succeeded.connect(self._runtime_started)
        operation.failed.connect(self._runtime_failed)
        self.runner.run(operation)

    def shutdown(self) -> None:
        """Stop the runtime on the worker thread and end the worker. A second call does nothing."""
        if self._shut_down:
            return
        self._shut_down = True
        log.info("kiosk shutting down")
        self.idle.disarm()
        self.screens[Stage.FACE].stop_preview()
        self.runner.shutdown(self.context.runtime.stop, timeout=STOP_TIMEOUT_S)

    def allow_close(self) -> None:
        """Let the next close request close the window, as on a service stop."""
        self._close_allowed = True

    def toggle_language(self) -> None:
        self.context.set_language("en" if self.context.language == "zh" else "zh")

    def show_message(self, message: Message) -> None:
        """Show ``message`` on the current screen, as for an error outside any operation."""
        self.current_screen.show_notice(message, "error")

    # Navigation ----------------------------------------------------------------

    def show_session_stage(self) -> None:
        """Show the screen for the session's current stage (the exit screen for refused and the like)."""
        session = self.context.session
        if session is None:
            self._show(self.welcome, Stage.WELCOME)
            return
        stage = session.stage
        screen = self.screens.get(stage, self.exit_screen)
        log.info("session %s: showing the %s screen", session.session_id, stage.value)
        self._show(screen, stage)
        screen.enter()

    def _show(self, screen: Screen, stage: Stage) -> None:
        # Hidden pages must not set the window's minimum size, or one large page (the
        # signature canvas) keeps every screen from fitting a 1280 x 800 display.
        for index in range(self.stack.count()):
            page = self.stack.widget(index)
            policy = QSizePolicy.Policy.Preferred if page is screen else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(screen)
        self.steps.set_stage(stage)
        in_session = stage not in (Stage.WELCOME, Stage.DONE) and screen is not self.exit_screen
        self.cancel_button.setVisible(in_session)
        self._update_idle_watch()

    def cancel_session(self) -> None:
        session = self.context.session
        if session is None:
            return
        log.info("session %s: customer pressed cancel", session.session_id)
        operation = session_ops.cancel(session)
        operation.succeeded.connect(lambda _record: self.show_session_stage())
        operation.failed.connect(self._show_failure)
        self.runner.run(operation)

    def restart(self) -> None:
        """End the session, forget what every screen shows, and return to the welcome screen in Chinese."""
        session = self.context.session
        if session is None:
            self._reset_to_welcome()
            return
        operation = session_ops.end_session(session)
        # The screens are reset even if forgetting failed, because the next customer must not
        # see this one's data. The runner has logged the failure.
        operation.succeeded.connect(lambda _result: self._reset_to_welcome())
        operation.failed.connect(lambda _error: self._reset_to_welcome())
        self.runner.run(operation)

    def _reset_to_welcome(self) -> None:
        self.context.session = None
        self.idle_warning.close_warning()
        for screen in [*self.screens.values(), self.exit_screen]:
            screen.clear()
        self.context.set_language(DEFAULT_LANGUAGE)
        self._show(self.welcome, Stage.WELCOME)
        self.welcome.enter()

    # Idle timeout --------------------------------------------------------------

    def _update_idle_watch(self) -> None:
        """Count idle time while a session runs or the welcome screen is in English; otherwise there is nothing to clear."""
        if self._shut_down:
            return
        if self.context.session is not None or self.context.language != DEFAULT_LANGUAGE:
            self.idle.arm()
        else:
            self.idle.disarm()
            self.idle_warning.close_warning()

    def _idle_expired(self) -> None:
        """End the session after the idle timeout, or, while an operation runs, once it has ended.

        An operation is never cut short: sealing a contract or storing a record runs to
        its end, and its result is shown before the session is ended.
        """
        self.idle_warning.close_warning()
        if self.runner.busy:
            session_id = self.context.session.session_id if self.context.session is not None else "-"
            log.info("session %s: idle timeout expired during an operation; the session ends after it", session_id)
            self._idle_end_pending = True
            return
        self.end_idle_session()

    def end_idle_session(self) -> None:
        """Clear every screen at once, return to the welcome screen, then cancel the session and forget its data on the worker."""
        self._idle_end_pending = False
        session = self.context.session
        if session is not None:
            log.info("session %s: no input for %.0f s, cancelling it", session.session_id, self.idle.idle_seconds)
        self._reset_to_welcome()
        if session is not None:
            # The runner logs a failure. The screens are already clear either way.
            self.runner.run(session_ops.abandon(session))

    # Runtime and busy state ----------------------------------------------------

    def _runtime_started(self, _result: object) -> None:
        log.info("kiosk ready: branch %s", self.context.runtime.config.branch.branch_id)
        self.welcome.set_available(True)

    def _runtime_failed(self, error: Exception) -> None:
        # The runner has logged the traceback.
        log.error("kiosk unavailable: the branch runtime did not start (%s)", type(error).__name__)
        # A store file that cannot be used needs a technician; the customer gets nothing else to press.
        if isinstance(error, (StoreCorrupt, StoreOldFormat, StoreNotEncrypted, WrongStoreKey, SchemaTooNew)):
            self.show_service_needed(customer_message(error))
            return
        self.welcome.set_available(False, customer_message(error))

    def show_service_needed(self, message: Message) -> None:
        """Replace the whole page with "out of service" in both languages; the kiosk takes no input after it."""
        self.header.hide()
        self.stack.hide()
        self.busy_label.hide()
        self.service_notice = QLabel(self)
        self.service_notice.setObjectName("serviceNeeded")
        self.service_notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.service_notice.setWordWrap(True)
        self.service_notice.setText(f"{strings.message('service.title').bilingual()}\n\n{message.zh}\n\n{message.en}")
        self.centralWidget().layout().addWidget(self.service_notice, 1)
        self.service_notice.show()

    def _show_failure(self, error: Exception) -> None:
        self.show_message(customer_message(error))

    def _set_busy(self, busy: bool, busy_key: str) -> None:
        self._busy_key = busy_key if busy else ""
        self.stack.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self._update_busy_text()
        if busy:
            return
        # The customer waited for the operation, so the idle time starts when it ends.
        # A timeout that expired meanwhile ends the session once the operation's own
        # result has been shown, which is why it waits for the next turn of the loop.
        if self._idle_end_pending:
            QTimer.singleShot(0, self.end_idle_session)
        else:
            self.idle.restart()

    def _update_busy_text(self) -> None:
        text = strings.text(self._busy_key, self.context.language) if self._busy_key else ""
        self.busy_label.setText(text)
        if text and self.stack.isVisible():
            self._place_busy_label()
            self.busy_label.show()
            self.busy_label.raise_()
        else:
            self.busy_label.hide()

    def _place_busy_label(self) -> None:
        """Put the busy line along the bottom of the current page's body, or of the page if it has none."""
        central = self.centralWidget()
        page = self.stack.currentWidget()
        body = getattr(page, "body_scroll", None)
        area = body.viewport() if body is not None and body.isVisible() else self.stack
        top_left = area.mapTo(central, area.rect().topLeft())
        height = self.busy_label.heightForWidth(area.width())
        self.busy_label.setGeometry(top_left.x(), top_left.y() + area.height() - height, area.width(), height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.busy_label.isVisible():
            self._place_busy_label()

    def retranslate(self, _language: str | None = None) -> None:
        """Set every text of the window and of every screen again in the current language."""
        language = self.context.language
        self.setWindowTitle(strings.text("app.title", language))
        self.app_title.setText(strings.text("app.title", language))
        self.cancel_button.setText(strings.text("action.cancel", language))
        self.language_button.setText(strings.text("language.switch", language))
        self.steps.retranslate(language)
        self.sync_status.retranslate(language)
        self.idle_warning.retranslate(language)
        self._update_busy_text()
        for screen in [*self.screens.values(), self.exit_screen]:
            screen.retranslate()

    # Kiosk mode ----------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.kiosk_mode and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._close_allowed:
            log.info("close request ignored in kiosk mode")
            event.ignore()
            return
        event.accept()
