"""A checklist of the session's checks: a mark, the check's name, its reason and its outcome."""

from collections.abc import Sequence

from kiosk.checks import Check, Outcome
from kiosk.messages import Message
from kiosk.ui import strings
from kiosk.ui.qt import QFrame, QGridLayout, QLabel, Qt, QWidget
from kiosk.ui.style import set_style_property
from kiosk.ui.translation import TextBindings

# A symbol next to each outcome, so that colour is never the only sign of it.
_MARKS = {Outcome.PASS: "✓", Outcome.FAIL: "✗", Outcome.REVIEW: "!", Outcome.RETRY: "↻", Outcome.SKIPPED: "–"}


# Logical pixels between the last line of one check and the name of the next.
CHECK_GAP = 14


class Checklist(QFrame):
    """Rows of checks in the current language. :meth:`set_checks` replaces all rows.

    Each check takes two lines: its mark, name and outcome, then its reason below the
    name across the full width, so a long reason wraps to few lines even with large
    type. The list is as tall as its checks; the screen's body scrolls it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(24, 16, 24, 16)
        self._grid.setHorizontalSpacing(20)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._texts = TextBindings()
        self._checks: tuple[Check, ...] = ()
        self.hide()

    @property
    def checks(self) -> tuple[Check, ...]:
        return self._checks

    def set_checks(self, checks: Sequence[Check], language: str) -> None:
        """Show ``checks`` in order. An empty sequence hides the list."""
        self.clear()
        self._checks = tuple(checks)
        for index, check in enumerate(self._checks):
            self._add_check(index, check)
        self.setVisible(bool(self._checks))
        self.retranslate(language)

    def clear(self) -> None:
        self._texts.clear()
        self._checks = ()
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        # A grid keeps its rows once made, so the gaps of the last list are closed.
        for row in range(self._grid.rowCount()):
            self._grid.setRowMinimumHeight(row, 0)
        self.hide()

    def retranslate(self, language: str) -> None:
        self._texts.apply(language)

    def _add_check(self, index: int, check: Check) -> None:
        """Place one check on grid rows 3 × ``index`` (name) and the next (reason); the third row is the gap."""
        mark = QLabel(_MARKS.get(check.outcome, "?"), self)
        mark.setObjectName("mark")
        mark.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        set_style_property(mark, "outcome", check.outcome.value)

        title = QLabel(self)
        title.setObjectName("checkName")
        title.setWordWrap(True)
        title_key = f"check.{check.name}"
        # A check added to the session after this catalogue was written still shows its reason.
        self._texts.bind(title.setText, title_key if strings.has(title_key) else Message(check.name, check.name))

        outcome = QLabel(self)
        outcome.setObjectName("outcome")
        set_style_property(outcome, "outcome", check.outcome.value)
        self._texts.bind(outcome.setText, f"check.outcome.{check.outcome.value}")

        reason = QLabel(self)
        reason.setWordWrap(True)
        reason.setObjectName("reason")
        self._texts.bind(reason.setText, check.reason)

        row = 3 * index
        if index > 0:
            self._grid.setRowMinimumHeight(row - 1, CHECK_GAP)
        self._grid.addWidget(mark, row, 0, 2, 1, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(title, row, 1, Qt.AlignmentFlag.AlignTop)
        self._grid.addWidget(outcome, row, 2, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        self._grid.addWidget(reason, row + 1, 1, 1, 2, Qt.AlignmentFlag.AlignTop)
