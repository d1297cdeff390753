"""The header's sync line for staff: time of the last successful sync with HQ, what waits, and progress.

Reports and progress arrive on the sync thread; the signals carry them to the GUI
thread (Qt queues a signal emitted from another thread), where the text is set.
"""

from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.ui import strings


class SyncStatusLabel(QLabel):
    """A small label; :meth:`show_report` and :meth:`show_progress` may be called from any thread through the signals."""

    report_received = Signal(object)
    progress_received = Signal(str, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.language = "zh"
        self.last_success_at: datetime | None = None
        self._report = None
        self._progress: tuple[str, int, int] | None = None
        self.report_received.connect(self.show_report)
        self.progress_received.connect(self.show_progress)

    @Slot(object)
    def show_report(self, report) -> None:
        """Show a :class:`sync.agent.SyncReport`; a successful one becomes the last sync time."""
        self._report = report
        self._progress = None
        if report.status == "ok" and report.finished_at is not None:
            self.last_success_at = report.finished_at
        self._render()

    @Slot(str, int, int)
    def show_progress(self, stage: str, done: int, total: int) -> None:
        self._progress = (stage, done, total)
        self._render()

    def retranslate(self, language: str) -> None:
        self.language = language
        self._render()

    def _render(self) -> None:
        language = self.language
        parts = [
            strings.text("sync.last", language).format(time=f"{self.last_success_at:%H:%M}")
            if self.last_success_at
            else strings.text("sync.never", language)
        ]
        report = self._report
        if self._progress is not None and self._progress[0] == "upload":
            _, done, total = self._progress
            parts.append(strings.text("sync.uploading", language).format(done=done, total=total))
        elif report is not None:
            if report.status in ("offline", "error"):
                parts.append(strings.text(f"sync.{report.status}", language))
            if report.pending:
                parts.append(strings.text("sync.pending", language).format(count=report.pending))
            if report.failed:
                parts.append(strings.text("sync.failed", language).format(count=report.failed))
        self.setText(" · ".join(parts))
