"""The counter terminal's window: header with the clerk and the training banner, sign-in, and four pages.

Keyboard: Tab and Shift+Tab move the focus, Enter and Space press the focused button,
Ctrl+1 to Ctrl+4 open the session, review, archive and device pages, F9 switches the
language and Ctrl+Shift+L signs out.
"""

import logging
from collections.abc import Callable

from countersign.runtime import BranchRuntime
from countersign.training import TrainingBranch
from kiosk.errors import user_message
from kiosk.messages import Message
from kiosk.store.accounts import AccessSettings, Actor
from kiosk.ui import session_ops, strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.archive import ArchivePage
from kiosk.ui.counter.assisted import AssistedSessionPage
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.devices import DevicePanel
from kiosk.ui.counter.login import LoginPage
from kiosk.ui.counter.review import ReviewPage
from kiosk.ui.counter.style import counter_style_sheet
from kiosk.ui.operations import OperationRunner
from kiosk.ui.qt import (
    QApplication,
    QFrame,
    QGuiApplication,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QMainWindow,
    QPushButton,
    QShortcut,
    QStackedWidget,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from kiosk.ui.style import base_font, theme_named

log = logging.getLogger(__name__)

WINDOW_SIZE = (1600, 1000)
# A second sign-out request within this time ends an unfinished customer session.
SIGN_OUT_CONFIRM_MS = 10_000
STOP_TIMEOUT_S = 30.0
TAB_KEYS = ("counter.tab.session", "counter.tab.review", "counter.tab.archive", "counter.tab.devices")


class CounterWindow(QMainWindow):
    """The clerk's window, which owns the operation runner and drives ``runtime``.

    Call :meth:`start_runtime` once after construction and :meth:`shutdown` once at the
    end. With ``training`` the window shows the training banner on every page.
    """

    def __init__(
        self,
        runtime: BranchRuntime,
        prepare_session: Callable[[BranchRuntime], None] | None = None,
        training: TrainingBranch | None = None,
        access_settings: AccessSettings | None = None,
    ) -> None:
        super().__init__()
        self.runner = OperationRunner(self)
        self.context = CounterContext(runtime, self.runner, prepare_session, training, access_settings, self)
        self._shut_down = False
        self._busy_key = ""
        self._focus_before: QWidget | None = None
        config = runtime.config
        self.setFont(base_font(config.counter_font_scale))
        self.setStyleSheet(counter_style_sheet(theme_named(config.counter_theme), config.counter_font_scale))
        self.resize(*self._window_size())

        self._build_header()
        self.login = LoginPage(self.context)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("counterTabs")
        self.session_page = AssistedSessionPage(self.context)
        self.review_page = ReviewPage(self.context)
        self.archive_page = ArchivePage(self.context)
        self.device_page = DevicePanel(self.context)
        for page in (self.session_page, self.review_page, self.archive_page, self.device_page):
            self.tabs.addTab(page, "")
        self.tabs.currentChanged.connect(self._tab_changed)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.login)
        self.pages.addWidget(self.tabs)

        self.busy_label = QLabel(self)
        self.busy_label.setObjectName("busy")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        central = QWidget(self)
        central.setObjectName("page")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 6)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        if training is not None:
            layout.addWidget(self.training_banner)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.busy_label)
        self.setCentralWidget(central)

        self._add_shortcuts()
        self.runner.busy_changed.connect(self._set_busy)
        self.context.language_changed.connect(self.retranslate)
        self.context.actor_changed.connect(self._actor_changed)
        self._actor_changed(None)
        self.retranslate()

    @staticmethod
    def _window_size() -> tuple[int, int]:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return WINDOW_SIZE
        available = screen.availableGeometry()
        return min(WINDOW_SIZE[0], available.width()), min(WINDOW_SIZE[1], available.height())

    def _build_header(self) -> None:
        self.header = QFrame(self)
        self.header.setObjectName("header")
        row = QHBoxLayout(self.header)
        row.setContentsMargins(16, 6, 16, 6)
        self.app_title = QLabel(self.header)
        self.app_title.setObjectName("appTitle")
        row.addWidget(self.app_title)
        row.addStretch(1)
        self.clerk_line = QLabel(self.header)
        self.clerk_line.setObjectName("clerkLine")
        row.addWidget(self.clerk_line)
        self.language_button = QPushButton(self.header)
        self.language_button.setObjectName("languageButton")
        self.language_button.clicked.connect(self.toggle_language)
        self.sign_out_button = QPushButton(self.header)
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.clicked.connect(self.sign_out)
        for button in (self.language_button, self.sign_out_button):
            button.setProperty("primary", "false")
            button.setAutoDefault(True)
            button.setStyleSheet("min-height: 36px; min-width: 100px; font-size: 18px; padding: 0 12px;")
            row.addWidget(button)
        self.training_banner = QLabel(self)
        self.training_banner.setObjectName("trainingBanner")
        self.training_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def _add_shortcuts(self) -> None:
        self.shortcuts: list[QShortcut] = []
        for index in range(len(TAB_KEYS)):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda index=index: self.show_tab(index))
            self.shortcuts.append(shortcut)
        language = QShortcut(QKeySequence("F9"), self)
        language.activated.connect(self.toggle_language)
        self._sign_out_armed = QTimer(self)
        self._sign_out_armed.setSingleShot(True)
        self._sign_out_armed.setInterval(SIGN_OUT_CONFIRM_MS)
        sign_out = QShortcut(QKeySequence("Ctrl+Shift+L"), self)
        sign_out.activated.connect(self.sign_out)
        self.shortcuts += [language, sign_out]

    # Runtime -----------------------------------------------------------------------

    def start_runtime(self) -> None:
        """Start the branch runtime and open the accounts on the worker; sign-in is enabled once both are done."""
        operation = session_ops.start_runtime(self.context.runtime)
        operation.failed.connect(self._runtime_failed)
        self.runner.run(operation)
        accounts = operations.open_accounts(self.context)
        accounts.succeeded.connect(lambda _result: self._ready())
        self.runner.run(accounts)

    def _ready(self) -> None:
        if self.context.accounts is None:
            return
        log.info("counter ready: branch %s%s", self.context.runtime.config.branch.branch_id, " (training)" if self.context.training else "")
        self.login.set_ready(True)
        self.login.enter()

    def _runtime_failed(self, error: Exception) -> None:
        log.error("counter unavailable: the branch runtime did not start: %s", error)
        self.login.set_ready(False, user_message(error))

    def shutdown(self) -> None:
        """Stop the runtime on the worker thread and end the worker. A second call does nothing."""
        if self._shut_down:
            return
        self._shut_down = True
        log.info("counter shutting down")
        self.session_page.stop()
        training = self.context.training
        runtime = self.context.runtime

        def stop() -> None:
            if training is not None:
                training.restore(runtime)
            runtime.stop()

        self.runner.shutdown(stop, timeout=STOP_TIMEOUT_S)

    # Sign-in -----------------------------------------------------------------------

    def _actor_changed(self, actor: Actor | None) -> None:
        if actor is None:
            self.pages.setCurrentWidget(self.login)
            self.login.enter()
        else:
            log.info("account %s (%s) signed in at the counter", actor.account_id, actor.role.value)
            self.pages.setCurrentWidget(self.tabs)
            self.show_tab(0)
        self.sign_out_button.setVisible(actor is not None)
        self.retranslate()

    def sign_out(self) -> None:
        """End any session, forget every page's content and return to sign-in.

        While a customer's session is unfinished, the first request only warns on the
        session page; a second one within :data:`SIGN_OUT_CONFIRM_MS` signs out.
        """
        actor = self.context.actor
        if actor is None:
            return
        session = self.context.session
        if session is not None and not session.finished and not self._sign_out_armed.isActive():
            self._sign_out_armed.start()
            self.show_tab(0)
            self.session_page.show_notice(strings.message("counter.sign_out_confirm"), "error")
            log.info("account %s asked to sign out during session %s; waiting for a second request", actor.account_id, session.session_id)
            return
        self._sign_out_armed.stop()
        log.info("account %s signed out", actor.account_id)
        self.session_page.end()
        self.review_page.clear()
        self.archive_page.clear()
        self.context.set_actor(None)

    # Navigation --------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        if self.context.actor is None:
            return
        self.tabs.setCurrentIndex(index)
        self._tab_changed(index)

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.review_page:
            self.review_page.refresh()
            self.review_page.table.setFocus()
        elif page is self.archive_page:
            self.archive_page.query_edit.setFocus()
        elif page is self.device_page:
            self.device_page.probe()
            self.device_page.probe_button.setFocus()
        elif page is self.session_page and self.context.session is None:
            self.session_page.start_button.setFocus()

    def toggle_language(self) -> None:
        self.context.set_language("en" if self.context.language == "zh" else "zh")

    def show_message(self, message: Message) -> None:
        page = self.tabs.currentWidget() if self.context.actor is not None else self.login
        page.show_notice(message, "error")

    # Busy state and texts -------------------------------------------------------------

    def _set_busy(self, busy: bool, busy_key: str) -> None:
        # Disabling the pages takes the focus away, so it is given back to the same control after the work.
        if busy and self.pages.isEnabled():
            self._focus_before = QApplication.focusWidget()
        self._busy_key = busy_key if busy else ""
        self.pages.setEnabled(not busy)
        focus = self._focus_before
        if not busy and focus is not None and focus.isVisible() and focus.isEnabled():
            focus.setFocus()
        if not busy and self.context.session is not None:
            self.session_page.refresh_clerk()
            self.session_page._update_controls()
        self._update_busy_text()
        if not busy:
            # The operation's own result changes the page after this signal, so the focus
            # is checked again once that has run.
            QTimer.singleShot(0, self._settle_focus)

    def _settle_focus(self) -> None:
        """Move the focus to where the work goes on after an operation changed the page.

        On the session page that is the customer screen's next control, unless the clerk
        was in the clerk panel (a typed licence, the override form): a refused override
        leaves the clerk in the form. Elsewhere a focus that was lost goes to the page's
        first control, such as the account field after a sign-out.
        """
        if self.runner.busy:
            return
        focus, self._focus_before = self._focus_before, None
        in_clerk_panel = focus is not None and focus.isVisible() and self.session_page.clerk.isAncestorOf(focus)
        on_session = (
            self.pages.currentWidget() is self.tabs
            and self.tabs.currentWidget() is self.session_page
            and self.context.session is not None
        )
        if on_session and not in_clerk_panel and self.session_page.focus_current_screen():
            return
        current = QApplication.focusWidget()
        if current is None or not current.isVisible() or not current.isEnabled():
            page = self.pages.currentWidget()
            if page is self.tabs:
                page = self.tabs.currentWidget()
            _focus_first_control(page)

    def _update_busy_text(self) -> None:
        self.busy_label.setText(strings.text(self._busy_key, self.context.language) if self._busy_key else "")

    def retranslate(self, _language: str | None = None) -> None:
        language = self.context.language
        title = strings.text("counter.title", language)
        self.setWindowTitle(title)
        self.app_title.setText(title)
        self.training_banner.setText(strings.text("counter.training.banner", language))
        actor = self.context.actor
        self.clerk_line.setText(
            strings.text("counter.clerk_line", language).format(
                name=actor.display_name, account=actor.account_id, role=strings.text(f"counter.role.{actor.role.value}", language)
            )
            if actor is not None
            else ""
        )
        self.language_button.setText(strings.text("language.switch", language) + " (F9)")
        self.sign_out_button.setText(strings.text("counter.sign_out", language))
        for index, key in enumerate(TAB_KEYS):
            self.tabs.setTabText(index, f"{strings.text(key, language)} (Ctrl+{index + 1})")
        self._update_busy_text()
        for page in (self.login, self.session_page, self.review_page, self.archive_page, self.device_page):
            page.retranslate()


def _focus_first_control(page: QWidget) -> None:
    """Give the focus to the first visible, enabled control of ``page`` that Tab reaches."""
    widget = page.nextInFocusChain()
    while widget is not page and widget is not None:
        if page.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        widget = widget.nextInFocusChain()
