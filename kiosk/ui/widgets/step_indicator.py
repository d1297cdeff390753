"""The row of customer steps at the top of the window, with the current one highlighted."""

from kiosk.session.stages import CUSTOMER_STEPS, Stage
from kiosk.ui import strings
from kiosk.ui.qt import QHBoxLayout, QLabel, QWidget
from kiosk.ui.style import set_style_property


class StepIndicator(QWidget):
    """Shows every stage of ``CUSTOMER_STEPS`` as "done", "current" or "todo".

    Outside those stages (welcome and the exits) the indicator hides itself.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._labels: dict[Stage, QLabel] = {}
        for stage in CUSTOMER_STEPS:
            label = QLabel(self)
            label.setObjectName("step")
            label.setProperty("state", "todo")
            layout.addWidget(label)
            self._labels[stage] = label
        layout.addStretch(1)
        self._stage: Stage | None = None
        self._language = "zh"

    @property
    def current_stage(self) -> Stage | None:
        return self._stage

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
        for index, (stage, label) in enumerate(self._labels.items()):
            name = strings.text(f"step.{stage.value}", language)
            done = label.property("state") == "done"
            label.setText(f"✓ {name}" if done else f"{index + 1} {name}")
