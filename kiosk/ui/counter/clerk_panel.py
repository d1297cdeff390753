"""The clerk's side of an assisted session: every check with its figures, the typed licence and the override."""

from kiosk.checks import Check
from kiosk.errors import LicenceInputError
from kiosk.identity.licence import DrivingLicence
from kiosk.identity.licence_input import FIELDS, licence_from_fields
from kiosk.messages import Message
from kiosk.session import RentalSession, Stage
from kiosk.session.assisted import overridable_problems
from kiosk.ui import strings
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.figures import describe_figures, liveness_in_progress
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSize,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

__all__ = ["ClerkPanel", "clerk_reason", "describe_figures"]

COLUMNS = ("check", "outcome", "figures", "reason")
# The checks table keeps room for this many rows of two text lines each, however much
# the forms below it need; the forms scroll instead.
MIN_VISIBLE_ROWS = 4
# Below this width the figures and reason columns wrap an English row to many lines.
# The customer's screens beside the panel need about 450 px.
MIN_WIDTH_PX = 600
# Qt's item delegate adds about this much above and below a cell's text.
ROW_PADDING_PX = 4
# The forms below the table keep at least this height, so the first field stays in view.
MIN_FORMS_HEIGHT = 96


def clerk_reason(check: Check) -> Message:
    """Return the sentence meant for the clerk (``details["clerk_reason"]``) where a check has one, else its reason."""
    written = check.details.get("clerk_reason")
    if isinstance(written, dict) and "zh" in written and "en" in written:
        return Message(written["zh"], written["en"])
    return check.reason


def stage_name(stage: Stage) -> Message:
    """Return the stage's name as the kiosk's step indicator shows it, or the counter's own name for an exit stage."""
    key = f"step.{stage.value}"
    return strings.message(key if strings.has(key) else f"counter.stage.{stage.value}")


class ChecksTable(QTableWidget):
    """The checks table, whose minimum height keeps ``MIN_VISIBLE_ROWS`` rows of two lines in view.

    The minimum is computed from the font in use, so it follows the style sheet and the
    font scale.
    """

    def __init__(self, rows: int, columns: int, parent: QWidget) -> None:
        super().__init__(rows, columns, parent)
        # Wrapped rows need new heights once the stretched columns have their final widths,
        # which is after the last sectionResized of a resize.
        self._row_timer = QTimer(self)
        self._row_timer.setSingleShot(True)
        self._row_timer.setInterval(0)
        self._row_timer.timeout.connect(self.resizeRowsToContents)
        self.horizontalHeader().sectionResized.connect(self._row_timer.start)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        two_lines = 2 * self.fontMetrics().lineSpacing() + 2 * ROW_PADDING_PX
        height = self.horizontalHeader().sizeHint().height() + MIN_VISIBLE_ROWS * two_lines + 2 * self.frameWidth()
        return QSize(hint.width(), max(hint.height(), height))


class ClerkPanel(CounterPanel):
    """Beside the customer's view. ``override_requested(supervisor_id, pin, reason)`` requests an override from the page."""

    override_requested = Signal(str, str, str)

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.layout_.setContentsMargins(8, 0, 0, 0)  # the session page around the panel has the outer margins
        self.setMinimumWidth(MIN_WIDTH_PX)
        self.session_line = self.label(self._session_text, name="subtitle")
        self.layout_.addWidget(self.session_line)

        self.layout_.addWidget(self.label("counter.clerk.checks", name="subtitle"))
        self.table = self._build_table()
        self.layout_.addWidget(self.table, 3)
        self.layout_.addWidget(self.notice)

        # The typed licence and the override form scroll below the table, so the panel
        # fits a 1366 x 768 screen with the override form shown.
        self.forms = QScrollArea(self)
        self.forms.setObjectName("clerkForms")
        self.forms.setWidgetResizable(True)
        self.forms.setFrameShape(QFrame.Shape.NoFrame)
        self.forms.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.forms.setMinimumHeight(MIN_FORMS_HEIGHT)
        content = QWidget(self.forms)
        content.setObjectName("clerkFormsContent")
        forms_layout = QVBoxLayout(content)
        forms_layout.setContentsMargins(0, 0, 0, 0)
        forms_layout.setSpacing(self.layout_.spacing())
        self._build_licence_form(content, forms_layout)
        self._build_override_form(content, forms_layout)
        forms_layout.addStretch(1)
        self.forms.setWidget(content)
        self.layout_.addWidget(self.forms, 2)

        self.pending_licence: DrivingLicence | None = None
        self._licence_state: Message | None = None
        self._session: RentalSession | None = None
        self._checks: tuple[Check, ...] = ()
        self.set_session(None)

    def _build_table(self) -> QTableWidget:
        table = ChecksTable(0, len(COLUMNS), self)
        table.setObjectName("checksTable")
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        table.setTabKeyNavigation(False)  # Tab leaves the table, so the form below is reachable by keys
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.verticalHeader().hide()

        # Name and outcome are short and keep their width. Figures and reason share the
        # rest and wrap, so the table has no horizontal scroll bar.
        # NOTE: a word wider than its column (an ID number in English at 600 px) is elided,
        # because Qt wraps cells at word boundaries only. The cell's tooltip has the whole text.
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        return table

    def _build_licence_form(self, parent: QWidget, layout: QVBoxLayout) -> None:
        self.licence_title = self.label("counter.clerk.licence", name="subtitle", parent=parent)
        layout.addWidget(self.licence_title)
        self.licence_form = form = QFormLayout()
        self.licence_edits = {}
        for field in FIELDS:
            edit = self.line_edit(f"counter.licence.{field}.hint", f"licence_{field}", parent=parent)
            label = self.label(f"counter.licence.{field}", parent=parent)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.licence_edits[field] = edit
        layout.addLayout(form)
        row = QHBoxLayout()
        self.licence_button = self.button("counter.clerk.use_licence", self.use_licence, "useLicenceButton", parent=parent)
        row.addWidget(self.licence_button)
        self.licence_state = QLabel(parent)
        self.licence_state.setObjectName("licenceState")
        self.licence_state.setWordWrap(True)
        row.addWidget(self.licence_state, 1)
        layout.addLayout(row)

    def _build_override_form(self, parent: QWidget, layout: QVBoxLayout) -> None:
        self.override_title = self.label("counter.clerk.override", name="subtitle", parent=parent)
        layout.addWidget(self.override_title)
        self.override_form = QFormLayout()
        self.reason_edit = self.line_edit("counter.clerk.reason_hint", "overrideReason", parent=parent)
        self.supervisor_edit = self.line_edit("counter.clerk.supervisor_hint", "supervisorAccount", parent=parent)
        self.supervisor_pin_edit = self.line_edit("counter.clerk.supervisor_pin_hint", "supervisorPin", secret=True, parent=parent)
        for key, edit in (("counter.clerk.reason", self.reason_edit), ("counter.clerk.supervisor", self.supervisor_edit), ("counter.clerk.supervisor_pin", self.supervisor_pin_edit)):
            label = self.label(key, parent=parent)
            label.setBuddy(edit)
            self.override_form.addRow(label, edit)
        layout.addLayout(self.override_form)
        self.override_button = self.button("counter.clerk.override_submit", self._request_override, "overrideButton", parent=parent)
        self.supervisor_pin_edit.returnPressed.connect(self._request_override)
        layout.addWidget(self.override_button)

    def _session_text(self) -> Message:
        session = self._session
        if session is None:
            return strings.message("counter.clerk.no_session")
        line = strings.message("counter.clerk.session")
        stage = stage_name(session.stage)
        return Message(line.zh.format(session_id=session.session_id, stage=stage.zh), line.en.format(session_id=session.session_id, stage=stage.en))

    # Session state ---------------------------------------------------------------

    def set_session(self, session: RentalSession | None) -> None:
        """Show the session's checks and enable what the clerk may do in its stage; call while no operation runs."""
        self._session = session
        self._checks = self._shown_checks(session)
        # The typed licence is used at the licence step, so its form shows only before it.
        before_licence = session is not None and session.stage in (Stage.CONSENT, Stage.DOCUMENT)
        self.licence_title.setVisible(before_licence)
        self.licence_button.setVisible(before_licence)
        for row in range(self.licence_form.rowCount()):
            self.licence_form.setRowVisible(row, before_licence)
        can_override = session is not None and bool(overridable_problems(session))
        self.override_title.setVisible(can_override)
        self.override_button.setVisible(can_override)
        for row in range(self.override_form.rowCount()):
            self.override_form.setRowVisible(row, can_override)
        if session is None:
            self.pending_licence = None
            self._licence_state = None
            for edit in (*self.licence_edits.values(), self.reason_edit, self.supervisor_edit, self.supervisor_pin_edit):
                edit.clear()
            self.show_notice(None)
        self._fill_table()
        self.retranslate()

    @staticmethod
    def _shown_checks(session: RentalSession | None) -> tuple[Check, ...]:
        """Return the session's checks, with the liveness attempt in progress where the session has not recorded one yet."""
        if session is None:
            return ()
        checks = tuple(session.checks)
        attempt = liveness_in_progress(checks, session.liveness_attempts)
        return checks if attempt is None else (*checks, attempt)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self._checks))
        language = self.language
        for row, check in enumerate(self._checks):
            name_key = f"check.{check.name}"
            name = strings.text(name_key, language) if strings.has(name_key) else check.name
            values = (
                name,
                strings.text(f"check.outcome.{check.outcome.value}", language),
                describe_figures(check).text(language),
                clerk_reason(check).text(language),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)  # the whole text, where a long word is elided
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()

    def retranslate(self) -> None:
        super().retranslate()
        self.table.setHorizontalHeaderLabels([strings.text(f"counter.clerk.column.{column}", self.language) for column in COLUMNS])
        self._fill_table()
        self.licence_state.setText(self._licence_state.text(self.language) if self._licence_state else "")
        self.licence_state.setVisible(self._licence_state is not None)

    # Typed licence -----------------------------------------------------------------

    def use_licence(self) -> None:
        """Validate the typed licence as the kiosk does; a valid one is used when the session reaches the licence step."""
        fields = {field: edit.text() for field, edit in self.licence_edits.items()}
        assert self._session is not None
        try:
            licence = licence_from_fields(fields, self._session.services.clock().date())
        except LicenceInputError as error:
            self.show_notice(error.message, "error")
            self.licence_edits[error.field].setFocus()
            return
        self.pending_licence = licence
        self._licence_state = strings.message("counter.clerk.licence_pending")
        self.show_notice(None)
        self.retranslate()

    def licence_used(self) -> None:
        self.pending_licence = None
        self._licence_state = strings.message("counter.clerk.licence_used")
        self.retranslate()

    # Override --------------------------------------------------------------------

    def _request_override(self) -> None:
        if not self.override_button.isVisible():
            return
        pin = self.supervisor_pin_edit.text()
        self.supervisor_pin_edit.clear()
        self.override_requested.emit(self.supervisor_edit.text().strip(), pin, self.reason_edit.text())
