"""The contract archive: search by ID number (full or masked), phone or contract number, and open a contract with a purpose.

The opened contract's PDF is shown in a viewer below the details, loaded from memory
through a buffer, so the PDF is never written to a file.
"""

import hashlib
import logging

from kiosk.messages import Message
from kiosk.store.contract_search import ContractHit, SearchBy
from kiosk.store.personal_data import CustomerProfile
from kiosk.ui import strings
from kiosk.ui.counter import operations
from kiosk.ui.counter.context import CounterContext
from kiosk.ui.counter.panel import CounterPanel
from kiosk.ui.qt import (
    QAbstractItemView,
    QBuffer,
    QByteArray,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QIODevice,
    QLabel,
    QPdfDocument,
    QPdfView,
    QTableWidget,
    QTableWidgetItem,
)

log = logging.getLogger(__name__)

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

        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setObjectName("contractPdf")
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.texts.bind(self.pdf_view.setAccessibleName, "counter.archive.pdf_view")
        self.pdf_view.hide()
        self.layout_.addWidget(self.pdf_view, 2)
        self._pdf_buffer: QBuffer | None = None
        self.hits: list[ContractHit] = []
        self._opened: tuple[ContractHit, CustomerProfile, bytes] | None = None

    def search(self) -> None:
        self.show_notice(None)
        self._opened = None
        self._close_pdf()
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
        # NOTE: there is no "save as"; the clerk reads the contract in the viewer only.
        self._opened = (hit, profile, pdf)
        self.show_notice(None)
        self._show_pdf(pdf)
        self.retranslate()

    def _show_pdf(self, pdf: bytes) -> None:
        """Load ``pdf`` into the viewer from memory; an unreadable file leaves the viewer hidden and shows a notice."""
        self._close_pdf()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._pdf_buffer = buffer
        self.pdf_document.load(buffer)
        if self.pdf_document.status() is QPdfDocument.Status.Error:
            log.warning("contract PDF not loaded: %s", self.pdf_document.error().name)
            self._close_pdf()
            self.show_notice(strings.message("counter.archive.pdf_unreadable"), "error")
            return
        self.pdf_view.show()

    def _close_pdf(self) -> None:
        """Empty the viewer and drop the buffer, so that no page of the contract stays in the window."""
        self.pdf_view.hide()
        self.pdf_document.close()
        if self._pdf_buffer is not None:
            self._pdf_buffer.close()
            self._pdf_buffer.deleteLater()
            self._pdf_buffer = None

    def clear(self) -> None:
        """Forget the results and the opened contract, as at sign-out."""
        self.hits = []
        self._opened = None
        self._close_pdf()
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
