"""The assisted session page: the customer's screens on the left, the clerk's panel on the right.

The customer's view is the kiosk's own screens, picked by the session's stage as the
kiosk window picks them, so the counter runs the same state machine and the same
steps. The clerk starts and ends the session, types the licence and requests an
override from the panel beside it.
"""

import logging

from countersign.training import DemoCustomer
from kiosk.errors import user_message
from kiosk.session import RentalSession, Stage, StageRecord
from kiosk.ui import session_ops
from kiosk.ui.counter import operations
from kiosk.ui.counter.clerk_panel import ClerkPanel
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QComboBox, QHBoxLayout, QLabel, QPushButton, QStackedWidget, Qt, QWidget
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

log = logging.getLogger(__name__)


class AssistedSessionPage(CounterPanel):
    """Starts a session for the customer at the counter and shows it beside the clerk's panel."""

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        controls = QHBoxLayout()
        self.customer_box = QComboBox(self)
        self.customer_box.setObjectName("demoCustomer")
        self.customer_box.setVisible(context.training is not None)
        for customer in DemoCustomer:
            self.customer_box.addItem("", customer)
        self.customer_label = self.label("counter.session.demo_customer")
        self.customer_label.setBuddy(self.customer_box)
        self.customer_label.setVisible(context.training is not None)
        controls.addWidget(self.customer_label)
        controls.addWidget(self.customer_box)
        self.start_button = self.button("counter.session.start", self.begin, "startSessionButton")
        self.cancel_button = self.button("counter.session.cancel", self.cancel, "cancelSessionButton")
        self.end_button = self.button("counter.session.end", self.end, "endSessionButton")
        for button in (self.start_button, self.cancel_button, self.end_button):
            controls.addWidget(button)
        controls.addStretch(1)
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.notice)

        split = QHBoxLayout()
        self.stack = QStackedWidget(self)
        self.idle = QLabel(self)
        self.idle.setObjectName("muted")
        self.idle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.idle.setText, "counter.session.idle")
        self.stack.addWidget(self.idle)
        self.screens: dict[Stage, Screen] = {
            Stage.CONSENT: ConsentScreen(context),
            Stage.DOCUMENT: DocumentScreen(context),
            Stage.LICENCE: LicenceScreen(context),
            Stage.FACE: FaceScreen(context),
            Stage.VERIFICATION: VerificationScreen(context),
            Stage.CONTRACT: ContractScreen(context),
            Stage.SIGN: SignScreen(context),
            Stage.DONE: DoneScreen(context),
        }
        self.exit_screen = ExitScreen(context)
        for screen in [*self.screens.values(), self.exit_screen]:
            self.stack.addWidget(screen)
            screen.advance_requested.connect(self.show_session_stage)
            screen.restart_requested.connect(self.end)
            # Enter presses the focused button, as Space does, for clerks who work with the keyboard.
            for button in screen.findChildren(QPushButton):
                button.setAutoDefault(True)
        split.addWidget(self.stack, 3)
        self.clerk = ClerkPanel(context)
        self.clerk.override_requested.connect(self.override)
        split.addWidget(self.clerk, 2)
        self.layout_.addLayout(split, 1)
        self._update_controls()

    # Session life ------------------------------------------------------------------

    @property
    def session(self) -> RentalSession | None:
        return self.context.session

    @property
    def current_screen(self) -> QWidget:
        return self.stack.currentWidget()

    def begin(self) -> None:
        """Start a session (in training, for the demo customer chosen)."""
        if self.session is not None:
            return
        self.show_notice(None)
        customer = self.customer_box.currentData() if self.context.training is not None else None
        self.start(operations.begin_session(self.context, customer), self._began)

    def _began(self, session: RentalSession) -> None:
        self.context.session = session
        log.info("session %s started at the counter by %s", session.session_id, self.context.require_actor().account_id)
        self.show_session_stage()

    def cancel(self) -> None:
        session = self.session
        if session is None or session.finished:
            return
        self.start(session_ops.cancel(session), lambda _record: self.show_session_stage())

    def end(self) -> None:
        """Forget the session's personal data and every screen's content; the page returns to idle."""
        session = self.session
        if session is None:
            self._reset()
            return
        operation = session_ops.end_session(session)
        operation.failed.connect(lambda _error: self._reset())
        self.start(operation, lambda _result: self._reset())

    def _reset(self) -> None:
        self.context.session = None
        for screen in [*self.screens.values(), self.exit_screen]:
            screen.clear()
        self.screens[Stage.FACE].stop_preview()
        self.stack.setCurrentWidget(self.idle)
        self.clerk.set_session(None)
        self._update_controls()
        # After a sign-out the page is hidden and the sign-in page has the focus; keep it there.
        if self.isVisible():
            self.start_button.setFocus()

    # Stages ------------------------------------------------------------------------

    def show_session_stage(self) -> None:
        """Show the customer's screen for the session's stage, using the typed licence first at the licence step."""
        session = self.session
        if session is None:
            self._reset()
            return
        if session.stage is Stage.LICENCE and self.clerk.pending_licence is not None:
            licence, self.clerk.pending_licence = self.clerk.pending_licence, None
            operation = operations.type_licence(session, licence, self.context.require_actor())
            self.start(operation, lambda _result: self._licence_typed())
            return
        screen = self.screens.get(session.stage, self.exit_screen)
        log.info("session %s: counter shows the %s screen", session.session_id, session.stage.value)
        self.stack.setCurrentWidget(screen)
        screen.enter()
        self.clerk.set_session(session)
        self._update_controls()
        self._focus_screen(screen)

    def _licence_typed(self) -> None:
        self.clerk.licence_used()
        self.show_session_stage()

    def focus_current_screen(self) -> bool:
        """Put the keyboard focus where the shown customer screen's step goes on; return whether there was such a place."""
        screen = self.stack.currentWidget()
        return isinstance(screen, Screen) and self._focus_screen(screen)

    def _focus_screen(self, screen: Screen) -> bool:
        """Put the keyboard focus on :meth:`Screen.focus_target`; return False when the screen names none."""
        target = screen.focus_target()
        if target is None:
            return False
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def refresh_clerk(self) -> None:
        """Show the session's checks again, as after a step that stayed on its screen."""
        self.clerk.set_session(self.session)

    def override(self, supervisor_id: str, pin: str, reason: str) -> None:
        session = self.session
        if session is None:
            return
        self.clerk.show_notice(None)
        operation = operations.override(self.context, session, supervisor_id, pin, reason)
        operation.failed.connect(lambda error: self.clerk.show_notice(user_message(error), "error"))
        operation.succeeded.connect(self._overridden)
        self.context.runner.run(operation)

    def _overridden(self, record: StageRecord) -> None:
        self.clerk.show_notice(record.reason, "success")
        self.show_session_stage()

    # Display -----------------------------------------------------------------------

    def _update_controls(self) -> None:
        session = self.session
        self.start_button.setEnabled(session is None)
        self.customer_box.setEnabled(session is None)
        self.cancel_button.setEnabled(session is not None and not session.finished)
        self.end_button.setEnabled(session is not None)

    def retranslate(self) -> None:
        super().retranslate()
        for index in range(self.customer_box.count()):
            customer: DemoCustomer = self.customer_box.itemData(index)
            self.customer_box.setItemText(index, customer.label.text(self.language))
        for screen in [*self.screens.values(), self.exit_screen]:
            screen.retranslate()
        self.clerk.retranslate()

    def stop(self) -> None:
        self.screens[Stage.FACE].stop_preview()


