"""A screen that runs one checking step as soon as it is shown and lists the checks it passed."""

from collections.abc import Callable

from kiosk.checks import Outcome
from kiosk.messages import Message
from kiosk.session import RentalSession, StageRecord
from kiosk.ui.context import KioskContext
from kiosk.ui.operations import Operation
from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets.checklist import Checklist


class CheckResultScreen(Screen):
    """Runs ``step`` on entry, and after a ``pass`` shows its reason, every check so far and a continue button.

    Any other outcome moves on at once, because the exit screen shows the reason and the
    checks. If the operation fails or returns ``retry``, a retry button runs the step again.
    """

    def __init__(
        self,
        context: KioskContext,
        title_key: str,
        continue_key: str,
        step: Callable[[RentalSession], Operation],
    ) -> None:
        super().__init__(context, title_key)
        self._step = step
        # The outcome is shown above the list in the scrolled body, not in the notice line
        # under it, so that with large type the list keeps the room the notice would take.
        self._summary: Message | None = None
        self.summary = self.add_label(self._summary_text, name="summary")
        self.checklist = Checklist(self)
        self.body.addWidget(self.checklist)
        self.body.addStretch(1)
        self.retry_button = self.add_button("action.retry", self._run_step, name="retryButton")
        self.continue_button = self.add_button(continue_key, self.advance_requested.emit, primary=True, name="continueButton")
        self._reset()

    def enter(self) -> None:
        super().enter()
        self._reset()
        self._run_step()

    def clear(self) -> None:
        super().clear()
        self._reset()

    def retranslate(self) -> None:
        super().retranslate()
        self.checklist.retranslate(self.language)

    def _summary_text(self) -> Message:
        return self._summary or Message("", "")

    def _reset(self) -> None:
        self._summary = None
        self.summary.hide()
        self.checklist.clear()
        self.retry_button.hide()
        self.continue_button.hide()

    def _run_step(self) -> None:
        self.retry_button.hide()
        self.show_notice(None)
        operation = self._step(self.session)
        operation.failed.connect(self.retry_button.show)
        self.start(operation, self._on_record)

    def _on_record(self, record: StageRecord) -> None:
        if record.outcome is Outcome.PASS:
            self.checklist.set_checks(self.session.checks, self.language)
            self._summary = record.reason
            self.summary.setText(record.reason.text(self.language))
            self.summary.show()
            self.continue_button.show()
            return
        if record.outcome is Outcome.RETRY:
            self.retry_button.show()
        self.handle_record(record)
