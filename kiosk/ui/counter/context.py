"""Shared state of the counter terminal: the kiosk context plus the signed-in clerk and the accounts."""

from collections.abc import Callable

from countersign.runtime import BranchRuntime
from countersign.training import TrainingBranch
from kiosk.store.accounts import AccessSettings, AccountStore, Actor
from kiosk.ui.context import KioskContext
from kiosk.ui.operations import OperationRunner
from kiosk.ui.qt import QObject, Signal


class CounterContext(KioskContext):
    """The kiosk context, so that kiosk screens run inside the counter window, and the clerk's sign-in.

    ``actor`` is the signed-in clerk, or ``None``; ``actor_changed`` is emitted on every
    sign-in and sign-out. ``accounts`` is created on the worker once the runtime has
    started, and is called on the worker only. ``training`` is set in training mode.
    """

    actor_changed = Signal(object)
    assisted = True

    def __init__(
        self,
        runtime: BranchRuntime,
        runner: OperationRunner,
        prepare_session: Callable[[BranchRuntime], None] | None = None,
        training: TrainingBranch | None = None,
        access_settings: AccessSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(runtime, runner, prepare_session, parent)
        self.training = training
        self.access_settings = access_settings
        self.accounts: AccountStore | None = None
        self.actor: Actor | None = None

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.actor_changed.emit(actor)

    def require_actor(self) -> Actor:
        """Return the signed-in clerk. Raises ``RuntimeError`` when nobody is signed in, a programming error."""
        if self.actor is None:
            raise RuntimeError("no clerk is signed in")
        return self.actor
