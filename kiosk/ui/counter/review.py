"""The review queue: verifications in "clerk review", oldest first, approved or refused with a reason."""

from kiosk.store.review_queue import ReviewItem
from kiosk.ui import strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QAbstractItemView, QHBoxLayout, QHeaderView, QTableWidget, QTableWidgetItem

COLUMNS = ("created_at", "number", "reservation", "session", "reasons")


class ReviewPage(CounterPanel):
    """Lists the open reviews (read again each time the page is shown) and records the clerk's decision on the selected one."""

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.layout_.addWidget(self.label("counter.review.title", name="subtitle"))
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("reviewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.layout_.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.reason_label = self.label("counter.review.reason")
        self.reason_edit = self.line_edit("counter.review.reason_hint", "reviewReason")
        self.reason_label.setBuddy(self.reason_edit)
        row.addWidget(self.reason_label)
        row.addWidget(self.reason_edit, 1)
        self.approve_button = self.button("counter.review.approve", lambda: self.decide(True), "approveButton")
        self.refuse_button = self.button("counter.review.refuse", lambda: self.decide(False), "refuseButton")
        self.refresh_button = self.button("counter.review.refresh", self.refresh, "refreshButton")
        for button in (self.approve_button, self.refuse_button, self.refresh_button):
            row.addWidget(button)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.notice)
        self.items: list[ReviewItem] = []

    def refresh(self) -> None:
        """Read the queue again (an audited read)."""
        if self.context.actor is None:
            return
        self.start(operations.load_review_queue(self.context), self._loaded)

    def _loaded(self, items: list[ReviewItem]) -> None:
        self.items = items
        self._fill()
        if items:
            self.table.selectRow(0)

    def clear(self) -> None:
        self.items = []
        self.reason_edit.clear()
        self.show_notice(None)
        self._fill()

    def selected(self) -> ReviewItem | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def decide(self, approve: bool) -> None:
        item = self.selected()
        if item is None:
            self.show_notice(strings.message("counter.review.none_selected"), "error")
            return
        reason = self.reason_edit.text()
        operation = operations.decide(self.context, item.verification_id, approve, reason)
        self.start(operation, lambda _result: self._decided(approve))

    def _decided(self, approve: bool) -> None:
        self.reason_edit.clear()
        self.show_notice(strings.message("counter.review.approved" if approve else "counter.review.refused"), "success")
        self.refresh()

    def _fill(self) -> None:
        language = self.language
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            reasons = " / ".join(reason.text(language) for reason in item.reasons)
            values = (
                f"{item.created_at:%Y-%m-%d %H:%M}",
                item.masked_number or "-",
                item.reservation_no or "-",
                item.session_id,
                reasons,
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeRowsToContents()

    def retranslate(self) -> None:
        super().retranslate()
        self.table.setHorizontalHeaderLabels([strings.text(f"counter.review.column.{column}", self.language) for column in COLUMNS])
        self._fill()
