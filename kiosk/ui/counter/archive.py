"""The contract archive: search by ID number (full or masked), phone or contract number, and open a contract with a purpose."""

import hashlib

from kiosk.messages import Message
from kiosk.store.contract_search import ContractHit, SearchBy
from kiosk.store.personal_data import CustomerProfile
from kiosk.ui import strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

COLUMNS = ("contract_no", "number", "reservation", "signed_at")


class ArchivePage(CounterPanel):
    """Searches (audited, never logging the query) and opens the selected contract, an audited read with the purpose typed."""

    def __init__(self, context: CounterContext) -> None:
        super().__init__(context)
        self.layout_.addWidget(self.label("counter.archive.title", name="subtitle"))
        row = QHBoxLayout()
        self.by_box = QComboBox(self)
        self.by_box.setObjectName("searchBy")
        for by in SearchBy:
            self.by_box.addItem("", by)
        by_label = self.label("counter.archive.by")
        by_label.setBuddy(self.by_box)
        self.query_edit = self.line_edit("counter.archive.query_hint", "searchQuery")
        self.query_edit.returnPressed.connect(self.search)
        self.search_button = self.button("counter.archive.search", self.search, "searchButton")
        for widget in (by_label, self.by_box):
            row.addWidget(widget)
        row.addWidget(self.query_edit, 1)
        row.addWidget(self.search_button)
        self.layout_.addLayout(row)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("archiveTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.layout_.addWidget(self.table, 1)

        open_row = QHBoxLayout()
        purpose_label = self.label("counter.archive.purpose")
        self.purpose_edit = self.line_edit("counter.archive.purpose_hint", "openPurpose")
        purpose_label.setBuddy(self.purpose_edit)
        self.purpose_edit.returnPressed.connect(self.open_selected)
        self.open_button = self.button("counter.archive.open", self.open_selected, "openButton")
        open_row.addWidget(purpose_label)
        open_row.addWidget(self.purpose_edit, 1)
        open_row.addWidget(self.open_button)
        self.layout_.addLayout(open_row)
        self.layout_.addWidget(self.notice)

        self.details = QLabel(self)
        self.details.setObjectName("contractDetails")
        self.details.setWordWrap(True)
        self.layout_.addWidget(self.details)
        self.hits: list[ContractHit] = []
        self._opened: tuple[ContractHit, CustomerProfile, bytes] | None = None

    def search(self) -> None:
        self.show_notice(None)
        self._opened = None
        by: SearchBy = self.by_box.currentData()
        self.start(operations.search(self.context, by, self.query_edit.text()), self._found)

    def _found(self, hits: list[ContractHit]) -> None:
        self.hits = hits
        self._fill()
        if hits:
            self.table.selectRow(0)
        else:
            self.show_notice(strings.message("counter.archive.none_found"), "info")
        self.retranslate()

    def open_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.hits):
            self.show_notice(strings.message("counter.archive.none_selected"), "error")
            return
        hit = self.hits[row]
        operation = operations.open_contract(self.context, hit, self.purpose_edit.text())
        self.start(operation, lambda result: self._opened_contract(hit, *result))

    def _opened_contract(self, hit: ContractHit, profile: CustomerProfile, pdf: bytes) -> None:
        # NOTE: the PDF is shown by its size and digest only; an embedded viewer or a "save as" is still to come.
        self._opened = (hit, profile, pdf)
        self.show_notice(None)
        self.retranslate()

    def clear(self) -> None:
        """Forget the results and the opened contract, as at sign-out."""
        self.hits = []
        self._opened = None
        self.query_edit.clear()
        self.purpose_edit.clear()
        self.show_notice(None)
        self._fill()
        self.retranslate()

    def _details(self) -> Message:
        if self._opened is None:
            return Message("", "")
        hit, profile, pdf = self._opened
        return strings.message("counter.archive.details").format(
            contract_no=hit.contract_no,
            name=profile.name,
            number=profile.masked_number,
            phone=profile.phone,
            signed_at=f"{hit.signed_at:%Y-%m-%d %H:%M}",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest()[:16],
        )

    def _fill(self) -> None:
        self.table.setRowCount(len(self.hits))
        for row, hit in enumerate(self.hits):
            values = (hit.contract_no, hit.masked_number, hit.reservation_no, f"{hit.signed_at:%Y-%m-%d %H:%M}")
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))

    def retranslate(self) -> None:
        super().retranslate()
        for index in range(self.by_box.count()):
            by: SearchBy = self.by_box.itemData(index)
            self.by_box.setItemText(index, strings.text(f"counter.archive.by.{by.value}", self.language))
        self.table.setHorizontalHeaderLabels([strings.text(f"counter.archive.column.{column}", self.language) for column in COLUMNS])
        self.details.setText(self._details().text(self.language))
