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
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, Signal

COLUMNS = ("check", "outcome", "figures", "reason")


def describe_figures(check: Check) -> Message:
    """Return the check's scores and thresholds as the clerk reads them; other details as ``name: value``."""
    details = check.details
    if check.name == "face_match" and "distance" in details:
        return strings.message("counter.figure.face_match").format(distance=details["distance"], threshold=details["threshold"])
    if check.name == "face_duplicate" and details.get("duplicates"):
        closest = details["duplicates"][0].get("distance")
        return strings.message("counter.figure.face_duplicate").format(distance=closest, threshold=details.get("threshold"))
    parts = [f"{name}: {value}" for name, value in details.items() if isinstance(value, (str, int, float, bool)) or value is None]
    text = "; ".join(parts)
    return Message(text, text)


def clerk_reason(check: Check) -> Message:
    """Return the sentence meant for the clerk (``details["clerk_reason"]``) where a check has one, else its reason."""
    written = check.details.get("clerk_reason")
    if isinstance(written, dict) and "zh" in written and "en" in written:
        return Message(written["zh"], written["en"])
    return check.reason


class ClerkPanel(CounterPanel):
    """Beside the customer's view. ``override_requested(supervisor_id, pin, reason)`` requests an override from the page."""

    override_requested = Signal(str, str, str)

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.session_line = self.label(self._session_text, name="subtitle")
        self.layout_.addWidget(self.session_line)

        self.layout_.addWidget(self.label("counter.clerk.checks", name="subtitle"))
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("checksTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, so the form below is reachable by keys
        self.layout_.addWidget(self.table, 1)

        self.layout_.addWidget(self.label("counter.clerk.licence", name="subtitle"))
        form = QFormLayout()
        self.licence_edits = {}
        for field in FIELDS:
            edit = self.line_edit(f"counter.licence.{field}.hint", f"licence_{field}")
            label = self.label(f"counter.licence.{field}")
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.licence_edits[field] = edit
        self.layout_.addLayout(form)
        row = QHBoxLayout()
        self.licence_button = self.button("counter.clerk.use_licence", self.use_licence, "useLicenceButton")
        row.addWidget(self.licence_button)
        self.licence_state = QLabel(self)
        self.licence_state.setObjectName("licenceState")
        row.addWidget(self.licence_state, 1)
        self.layout_.addLayout(row)

        self.override_title = self.label("counter.clerk.override", name="subtitle")
        self.layout_.addWidget(self.override_title)
        override_form = QFormLayout()
        self.reason_edit = self.line_edit("counter.clerk.reason_hint", "overrideReason")
        self.supervisor_edit = self.line_edit("counter.clerk.supervisor_hint", "supervisorAccount")
        self.supervisor_pin_edit = self.line_edit("counter.clerk.supervisor_pin_hint", "supervisorPin", secret=True)
        for key, edit in (("counter.clerk.reason", self.reason_edit), ("counter.clerk.supervisor", self.supervisor_edit), ("counter.clerk.supervisor_pin", self.supervisor_pin_edit)):
            label = self.label(key)
            label.setBuddy(edit)
            override_form.addRow(label, edit)
        self.layout_.addLayout(override_form)
        self.override_button = self.button("counter.clerk.override_submit", self._request_override, "overrideButton")
        self.supervisor_pin_edit.returnPressed.connect(self._request_override)
        self.layout_.addWidget(self.override_button)
        self.layout_.addWidget(self.notice)

        self.pending_licence: DrivingLicence | None = None
        self._licence_state: Message | None = None
        self._session: RentalSession | None = None
        self._checks: tuple[Check, ...] = ()
        self.set_session(None)

    def _session_text(self) -> Message:
        session = self._session
        if session is None:
            return strings.message("counter.clerk.no_session")
        return strings.message("counter.clerk.session").format(session_id=session.session_id, stage=session.stage.value)

    # Session state ---------------------------------------------------------------

    def set_session(self, session: RentalSession | None) -> None:
        """Show the session's checks and enable what the clerk may do in its stage; call while no operation runs."""
        self._session = session
        self._checks = tuple(session.checks) if session is not None else ()
        before_licence = session is not None and session.stage in (Stage.CONSENT, Stage.DOCUMENT)
        for edit in self.licence_edits.values():
            edit.setEnabled(before_licence)
        self.licence_button.setEnabled(before_licence)
        can_override = session is not None and bool(overridable_problems(session))
        for widget in (self.override_title, self.reason_edit, self.supervisor_edit, self.supervisor_pin_edit, self.override_button):
            widget.setVisible(can_override)
        if session is None:
            self.pending_licence = None
            self._licence_state = None
            for edit in (*self.licence_edits.values(), self.reason_edit, self.supervisor_edit, self.supervisor_pin_edit):
                edit.clear()
            self.show_notice(None)
        self._fill_table()
        self.retranslate()

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
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeRowsToContents()

    def retranslate(self) -> None:
        super().retranslate()
        self.table.setHorizontalHeaderLabels([strings.text(f"counter.clerk.column.{column}", self.language) for column in COLUMNS])
        self._fill_table()
        self.licence_state.setText(self._licence_state.text(self.language) if self._licence_state else "")

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
