"""The sign-in page: account id and PIN, checked by the account store with its lock-out."""

from kiosk.messages import Message
from kiosk.store.accounts import Actor
from kiosk.ui import strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QFormLayout, QHBoxLayout, QLabel


class LoginPage(CounterPanel):
    """Signs a clerk in; Enter in either field or on the button submits. The PIN field is cleared after each try."""

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.title = self.label("counter.login.title", name="title")
        self.layout_.addWidget(self.title)

        form = QFormLayout()
        self.account_edit = self.line_edit("counter.login.account_hint", "accountEdit")
        self.pin_edit = self.line_edit("counter.login.pin_hint", "pinEdit", secret=True)
        account_label = self.label("counter.login.account")
        pin_label = self.label("counter.login.pin")
        account_label.setBuddy(self.account_edit)
        pin_label.setBuddy(self.pin_edit)
        form.addRow(account_label, self.account_edit)
        form.addRow(pin_label, self.pin_edit)
        self.layout_.addLayout(form)

        row = QHBoxLayout()
        self.sign_in_button = self.button("counter.login.submit", self.submit, "signInButton")
        self.sign_in_button.setEnabled(False)
        row.addWidget(self.sign_in_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.notice)

        self.training_hint = QLabel(self)
        self.training_hint.setObjectName("muted")
        self.training_hint.setWordWrap(True)
        self.training_hint.setVisible(context.training is not None)
        self.texts.bind(self.training_hint.setText, self._training_text)
        self.layout_.addWidget(self.training_hint)
        self.layout_.addStretch(1)

        self.account_edit.returnPressed.connect(self.pin_edit.setFocus)
        self.pin_edit.returnPressed.connect(self.submit)
        self._ready = False

    def _training_text(self) -> Message:
        from countersign.training import TRAINING_ACCOUNTS

        lines = [f"{account.account_id} / {account.pin} ({account.display_name})" for account in TRAINING_ACCOUNTS]
        return strings.message("counter.login.training_accounts").format(accounts="\n".join(lines))

    def set_ready(self, ready: bool, reason: Message | None = None) -> None:
        """Enable sign-in once the accounts are open, or show why they are not."""
        self._ready = ready
        self.sign_in_button.setEnabled(ready)
        self.show_notice(reason, "error")

    def enter(self) -> None:
        """Show the page empty, with the focus in the account field."""
        self.account_edit.clear()
        self.pin_edit.clear()
        if self._ready:
            self.show_notice(None)
        self.account_edit.setFocus()

    def submit(self) -> None:
        if not self._ready:
            return
        account_id = self.account_edit.text().strip()
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        if not account_id or not pin:
            self.show_notice(strings.message("counter.login.missing"), "error")
            (self.pin_edit if account_id else self.account_edit).setFocus()
            return
        self.show_notice(None)
        operation = operations.sign_in(self.context, account_id, pin)
        operation.failed.connect(lambda _error: self.pin_edit.setFocus())
        self.start(operation, self._signed_in)

    def _signed_in(self, actor: Actor) -> None:
        self.context.set_actor(actor)
