"""The base of the counter's pages: translated texts, a notice line and operations, at the clerk's density."""

from collections.abc import Callable

from kiosk.errors import user_message
from kiosk.messages import Message
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.operations import Operation
from kiosk.ui.qt import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget
from kiosk.ui.style import set_style_property
from kiosk.ui.translation import TextBindings, TextSource


class CounterPanel(QWidget):
    """A page of the counter window; subclasses bind texts through ``self.texts`` and run work through :meth:`start`."""

    def __init__(self, context: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterPanel")
        self.context = context
        self.texts = TextBindings()
        self._notice: Message | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 12)
        self.layout_.setSpacing(10)
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()

    @property
    def language(self) -> str:
        return self.context.language

    def label(self, source: TextSource, name: str = "", parent: QWidget | None = None) -> QLabel:
        label = QLabel(parent or self)
        label.setObjectName(name)
        label.setWordWrap(True)
        self.texts.bind(label.setText, source)
        return label

    def button(self, source: TextSource, on_click: Callable[[], None], name: str, parent: QWidget | None = None) -> QPushButton:
        button = QPushButton(parent or self)
        button.setObjectName(name)
        button.setAutoDefault(True)  # Enter presses a focused button, as Space does
        self.texts.bind(button.setText, source)
        button.clicked.connect(on_click)
        return button

    def line_edit(self, placeholder: TextSource, name: str, secret: bool = False, parent: QWidget | None = None) -> QLineEdit:
        edit = QLineEdit(parent or self)
        edit.setObjectName(name)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.texts.bind(edit.setPlaceholderText, placeholder)
        return edit

    def retranslate(self) -> None:
        self.texts.apply(self.language)
        if self._notice is not None:
            self.notice.setText(self._notice.text(self.language))

    def show_notice(self, message: Message | None, kind: str = "error") -> None:
        """Show ``message`` in the style ``kind`` ("error", "info" or "success"); ``None`` hides it."""
        self._notice = message
        if message is None:
            self.notice.clear()
            self.notice.hide()
            return
        set_style_property(self.notice, "kind", kind)
        self.notice.setText(message.text(self.language))
        self.notice.show()

    @property
    def notice_message(self) -> Message | None:
        return self._notice

    def start(self, operation: Operation, on_success: Callable[[object], None]) -> None:
        """Run ``operation`` on the worker; a failure shows its sentence in the notice line."""
        operation.succeeded.connect(on_success)
        operation.failed.connect(lambda error: self.show_notice(user_message(error), "error"))
        self.context.runner.run(operation)
