"""Background operations: blocking work run on one worker thread, results sent back as Qt signals.

The store's SQLCipher connection, the serial card reader and a live camera each bind to
the first thread that uses them and raise ``RuntimeError`` on any other
(:mod:`devices.ownership`). So every call into the runtime and the session goes through
one :class:`OperationRunner`, whose single worker thread becomes that owner.
"""

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.ui.errors import report_error
from kiosk.ui.qt import QObject, Qt, Signal

log = logging.getLogger(__name__)


class Operation(QObject):
    """One piece of blocking work and the signals that report how it ended.

    ``work`` runs on the worker thread and must not touch a widget. Once it has run,
    ``succeeded`` (with its return value) or ``failed`` (with the exception) is emitted
    on the UI thread. A failure has been logged by :func:`kiosk.ui.errors.report_error`
    before. ``busy_key`` is the catalogue key of the text shown meanwhile, and
    ``session_id`` goes into the log lines about it.
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str, busy_key: str, work: Callable[[], object], session_id: str = "-") -> None:
        super().__init__()
        self.name = name
        self.busy_key = busy_key
        self.work = work
        self.session_id = session_id


@dataclass
class _FinalJob:
    """Work that the thread calling :meth:`OperationRunner.shutdown` waits for."""

    work: Callable[[], None] | None
    done: threading.Event


class OperationRunner(QObject):
    """Runs operations one at a time, in submission order, on one dedicated worker thread.

    ``busy_changed(busy, busy_key)`` is emitted on the UI thread when the runner becomes
    busy, when the running operation changes and when the last operation has ended.
    """

    busy_changed = Signal(bool, str)
    _operation_ended = Signal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.SimpleQueue[Operation | _FinalJob | None] = queue.SimpleQueue()
        self._pending: list[Operation] = []
        self._closed = False
        # Queued explicitly: the signal is emitted on the worker and must run the slot on
        # the thread this runner lives in, the UI thread.
        self._operation_ended.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._serve, name="session-worker", daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @property
    def thread_ident(self) -> int | None:
        """The worker thread's ``threading.get_ident()``, the owner of the devices and store."""
        return self._thread.ident

    def run(self, operation: Operation) -> None:
        """Queue ``operation``. Raises ``RuntimeError`` after :meth:`shutdown`."""
        if self._closed:
            raise RuntimeError(f"operation {operation.name} submitted after the runner was shut down")
        self._pending.append(operation)
        log.debug("session %s: operation %s queued", operation.session_id, operation.name)
        self._jobs.put(operation)
        if len(self._pending) == 1:
            self.busy_changed.emit(True, operation.busy_key)

    def shutdown(self, last_work: Callable[[], None] | None = None, timeout: float = 30.0) -> bool:
        """Run ``last_work`` on the worker after the queued operations, then end the worker.

        Blocks the calling thread for at most ``timeout`` seconds and returns whether the
        worker ended in time. Results of operations still queued are not delivered.
        """
        if self._closed:
            return not self._thread.is_alive()
        self._closed = True

        done = threading.Event()
        self._jobs.put(_FinalJob(last_work, done))
        self._jobs.put(None)
        finished = done.wait(timeout)
        self._thread.join(timeout=1.0 if finished else 0)
        if not finished or self._thread.is_alive():
            log.error("session worker did not end within %.0f s with %d operations pending", timeout, len(self._pending))
            return False
        return True

    def _serve(self) -> None:
        """Worker loop: run each job in turn until the ``None`` sentinel arrives."""
        while True:
            job = self._jobs.get()
            if job is None:
                return

            if isinstance(job, _FinalJob):
                try:
                    if job.work is not None:
                        job.work()
                except Exception:
                    log.exception("final work of the session worker failed")
                finally:
                    job.done.set()
                continue

            try:
                result = job.work()
            except Exception as error:
                report_error(error, f"operation {job.name}", job.session_id)
                self._operation_ended.emit(job, None, error)
            else:
                self._operation_ended.emit(job, result, None)

    def _deliver(self, operation: Operation, result: object, error: Exception | None) -> None:
        """Report an ended operation on the UI thread: busy state first, then its own signal."""
        if self._closed:
            return
        if operation in self._pending:
            self._pending.remove(operation)
        if self._pending:
            self.busy_changed.emit(True, self._pending[0].busy_key)
        else:
            self.busy_changed.emit(False, "")

        if error is not None:
            operation.failed.emit(error)
        else:
            operation.succeeded.emit(result)
