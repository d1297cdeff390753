"""Shared state of the kiosk screens: the runtime, the operation runner, the session and the language."""

from collections.abc import Callable

from countersign.runtime import BranchRuntime
from kiosk.messages import LANGUAGES
from kiosk.session import RentalSession
from kiosk.ui.operations import OperationRunner
from kiosk.ui.qt import QObject, Signal

DEFAULT_LANGUAGE = "zh"


class KioskContext(QObject):
    """The state of the kiosk between screens.

    ``session`` is created and called on the worker thread only. Screens read its
    attributes on the UI thread while no operation is queued: the runner runs one
    operation at a time and the screens are disabled while it runs, so no step can change
    the session during such a read. ``prepare_session`` runs on the worker before each new
    session (the demo branch books its customer's car there).
    """

    language_changed = Signal(str)

    # Whether a clerk is beside the customer, as at the counter; screens then drop
    # sentences that send the customer to the counter.
    assisted = False

    def __init__(
        self,
        runtime: BranchRuntime,
        runner: OperationRunner,
        prepare_session: Callable[[BranchRuntime], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.runner = runner
        self.prepare_session = prepare_session
        self.session: RentalSession | None = None
        self._language = DEFAULT_LANGUAGE

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        """Switch the display language. Raises ``ValueError`` for a code other than "zh" or "en"."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown display language {language!r}; expected one of {LANGUAGES}")
        if language == self._language:
            return
        self._language = language
        self.language_changed.emit(language)
