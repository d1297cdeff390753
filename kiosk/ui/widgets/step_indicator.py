"""The row of customer steps at the top of the window, with the current one highlighted."""

from kiosk.session.stages import CUSTOMER_STEPS, Stage
from kiosk.ui import strings
from kiosk.ui.qt import QEvent, QLabel, QResizeEvent, QSize, QSizePolicy, QWidget
from kiosk.ui.style import set_style_property

SPACING = 4  # logical pixels between two steps


class StepIndicator(QWidget):
    """Shows every stage of ``CUSTOMER_STEPS`` as "done", "current" or "todo".

    When the row of full names ("1 同意", "✓ Consent") is wider than the indicator, as with
    large type in English, every step but the current one shows only its number or its
    check mark. Each step keeps its full name as tooltip and accessible name either way.
    The indicator's minimum width is that of the short row, so it never makes the window
    wider than the display.

    Outside those stages (welcome and the exits) the indicator hides itself.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._labels: dict[Stage, QLabel] = {}
        for stage in CUSTOMER_STEPS:
            label = QLabel(self)
            label.setObjectName("step")
            label.setProperty("state", "todo")
            self._labels[stage] = label
        self._stage: Stage | None = None
        self._language = "zh"
        self._short = False
        # (full, short) text of each step, in the order of CUSTOMER_STEPS.
        self._texts: list[tuple[str, str]] = []
        self.retranslate(self._language)

    @property
    def current_stage(self) -> Stage | None:
        return self._stage

    @property
    def shortened(self) -> bool:
        """True while the steps other than the current one show only their numbers."""
        return self._short

    def set_stage(self, stage: Stage | None) -> None:
        self._stage = stage
        if stage not in self._labels:
            self.hide()
            return
        self.show()
        current = CUSTOMER_STEPS.index(stage)
        for index, (step, label) in enumerate(self._labels.items()):
            if index < current:
                state = "done"
            elif index == current:
                state = "current"
            else:
                state = "todo"
            set_style_property(label, "state", state)
        self.retranslate(self._language)

    def retranslate(self, language: str) -> None:
        self._language = language
        self._texts = []
        for index, (stage, label) in enumerate(self._labels.items()):
            name = strings.text(f"step.{stage.value}", language)
            mark = "✓" if label.property("state") == "done" else str(index + 1)
            self._texts.append((f"{mark} {name}", mark))
            label.setToolTip(name)
            label.setAccessibleName(f"{index + 1} {name}")
        self._arrange()
        self.updateGeometry()

    # Layout --------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(self._row_width(short=False), self._row_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self._row_width(short=True), self._row_height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def changeEvent(self, event: QEvent) -> None:
        # A new style sheet or font changes every label's size.
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange) and self._texts:
            self._arrange()
            self.updateGeometry()

    def _text_for(self, index: int, short: bool) -> str:
        full, mark = self._texts[index]
        if short and list(self._labels)[index] is not self._stage:
            return mark
        return full

    @staticmethod
    def _label_width(label: QLabel, text: str) -> int:
        """Return the width ``label`` asks for with ``text``, in its own font and padding."""
        shown = label.text()
        label.setText(text)
        width = label.sizeHint().width()
        label.setText(shown)
        return width

    def _row_width(self, short: bool) -> int:
        labels = list(self._labels.values())
        widths = [self._label_width(label, self._text_for(index, short)) for index, label in enumerate(labels)]
        return sum(widths) + SPACING * (len(labels) - 1)

    def _row_height(self) -> int:
        return max(label.sizeHint().height() for label in self._labels.values())

    def _arrange(self) -> None:
        """Choose full or short names for the present width, and place the labels left to right."""
        if not self._texts:
            return
        short = self._row_width(short=False) > self.width()
        self._short = short
        for index, label in enumerate(self._labels.values()):
            label.setText(self._text_for(index, short))
        height = self._row_height()
        x = 0
        for label in self._labels.values():
            width = label.sizeHint().width()
            label.setGeometry(x, 0, width, height)
            x += width + SPACING
