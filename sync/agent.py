"""One sync run: upload the outbox in batches, then pull every reference dataset after its cursor.

The agent works on interfaces the kiosk's store implements (:class:`SyncOutbox`,
:class:`ReferenceSink`), so it does not depend on SQLCipher. Exactly-once rests on three
rules: an event leaves the outbox only after HQ answered ``accepted`` for it (HQ answers
a repeat with its first result, so a lost answer costs one repeat, never a double);
a conflict or a rejection is kept in the outbox as failed, never dropped; and a pulled
page is applied together with its cursor in one transaction, so a crash repeats a page
at worst, and applying the same change twice gives the same state.

Runs never overlap: :class:`SyncLock` is an exclusive ``flock`` on a file, held by the
kiosk's scheduler and by ``countersign sync now`` alike.
"""

import base64
import fcntl
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from sync.client import HqClient, HqRefused, HqUnreachable
from sync.outbox import OutboxEvent
from sync.protocol import (
    DATASETS,
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    Event,
    Outcome,
    ReferenceChange,
    UploadRequest,
)

log = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_OFFLINE = "offline"
STATUS_ERROR = "error"
STATUS_BUSY = "busy"


class SyncOutbox(Protocol):
    """The outbox as the agent needs it."""

    def pending_events(self, limit: int) -> list[OutboxEvent]:
        """Return up to ``limit`` events neither sent nor failed, oldest first."""
        ...

    def event_attachments(self, event: OutboxEvent) -> dict[str, bytes]:
        """Return the large or separate parts that travel with ``event`` (a contract's PDF)."""
        ...

    def mark_sent(self, event_ids: list[str], sent_at: datetime) -> None: ...

    def mark_failed(self, event_id: str, detail: str, at: datetime) -> None:
        """Keep the event, out of later batches, with the reason HQ gave."""
        ...

    def count_pending(self) -> int: ...

    def count_failed(self) -> int: ...


class ReferenceSink(Protocol):
    """The branch's copy of HQ's reference data."""

    def reference_cursor(self, dataset: str) -> int: ...

    def apply_reference_changes(self, dataset: str, changes: list[ReferenceChange], cursor: int) -> None:
        """Apply ``changes`` and store ``cursor`` in one transaction."""
        ...


@dataclass
class SyncReport:
    """The outcome of one run, printed as JSON by ``countersign sync now``."""

    uploaded: int = 0
    pulled: int = 0
    pending: int = 0
    failed: int = 0
    status: str = STATUS_OK
    detail: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def to_json(self) -> dict:
        return {
            "uploaded": self.uploaded,
            "pulled": self.pulled,
            "pending": self.pending,
            "failed": self.failed,
            "status": self.status,
            "detail": self.detail,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


class SyncLock:
    """An exclusive lock across processes on ``path``; :meth:`acquire` never waits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def release(self) -> None:
        if self._descriptor is not None:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
            os.close(self._descriptor)
            self._descriptor = None


# Progress callback: (stage, done, total); stage is "upload" or a dataset name.
Progress = Callable[[str, int, int], None]


@dataclass
class SyncAgent:
    """Runs one sync at a time between ``outbox``/``sink`` and HQ through ``connect()``."""

    outbox: SyncOutbox
    sink: ReferenceSink
    connect: Callable[[], HqClient]
    branch_id: str
    kiosk_id: str
    clock: Callable[[], datetime]
    lock: SyncLock
    datasets: tuple[str, ...] = DATASETS
    batch_events: int = MAX_BATCH_EVENTS
    on_progress: Progress | None = None
    # Stop uploading after this many seconds, so that a long backlog leaves room for the pull.
    upload_budget_seconds: float = 300.0
    _last: SyncReport | None = field(default=None, init=False)

    def run_once(self) -> SyncReport:
        """Upload, then pull, and return the report; HQ's and the network's faults become its status, not exceptions."""
        report = SyncReport(started_at=self.clock())
        if not self.lock.acquire():
            report.status, report.detail = STATUS_BUSY, "another sync is running"
            report.pending = self.outbox.count_pending()
            report.finished_at = self.clock()
            return report
        try:
            with self.connect() as client:
                self._upload(client, report)
                self._pull(client, report)
        except HqUnreachable as error:
            report.status, report.detail = STATUS_OFFLINE, str(error)
            log.warning("sync: HQ unreachable: %s", error)
        except HqRefused as error:
            report.status, report.detail = STATUS_ERROR, str(error)
            log.error("sync: HQ rejected the request: %s", error)
        finally:
            self.lock.release()
            report.pending = self.outbox.count_pending()
            report.failed = self.outbox.count_failed()
            report.finished_at = self.clock()
        if report.status == STATUS_OK and report.failed:
            report.detail = f"{report.failed} event(s) kept as failed; see countersign sync status"
        log.info(
            "sync %s: uploaded %d, pulled %d, pending %d, failed %d", report.status, report.uploaded, report.pulled, report.pending, report.failed
        )
        self._last = report
        return report

    def _upload(self, client: HqClient, report: SyncReport) -> None:
        deadline = time.monotonic() + self.upload_budget_seconds
        total = self.outbox.count_pending()
        while time.monotonic() < deadline:
            pending = self.outbox.pending_events(self.batch_events)
            if not pending:
                return
            batch = self._batch(pending)
            if not batch:
                continue
            response = client.upload(UploadRequest(branch_id=self.branch_id, kiosk_id=self.kiosk_id, events=batch))
            if len(response.results) != len(batch):
                raise HqRefused(f"HQ returned {len(response.results)} results for {len(batch)} events")

            now = self.clock()
            accepted = []
            for event, result in zip(batch, response.results, strict=True):
                if result.event_id != event.event_id:
                    raise HqRefused(f"HQ's result {result.event_id} does not match event {event.event_id}")
                if result.outcome is Outcome.ACCEPTED:
                    accepted.append(event.event_id)
                else:
                    log.error("event %s (%s) %s by HQ: %s", event.event_id, event.event_type, result.outcome.value, result.detail)
                    self.outbox.mark_failed(event.event_id, f"{result.outcome.value}: {result.detail}", now)
            self.outbox.mark_sent(accepted, now)
            report.uploaded += len(accepted)
            if self.on_progress:
                self.on_progress("upload", report.uploaded, total)

    def _batch(self, pending: list[OutboxEvent]) -> list[Event]:
        """Turn outbox events into protocol events, up to :data:`MAX_BATCH_BYTES` (at least one valid event).

        An event that the protocol rejects (an aggregate id too long, a time without an
        offset) is marked failed here: sent, HQ would reject the whole batch on every retry,
        and the events behind it would never leave the outbox.
        """
        batch: list[Event] = []
        size = 0
        for event in pending:
            attachments = {name: base64.b64encode(data).decode("ascii") for name, data in self.outbox.event_attachments(event).items()}
            try:
                item = Event(
                    event_id=event.event_id,
                    event_type=event.event_type,
                    aggregate_id=event.aggregate_id,
                    created_at=event.created_at,
                    payload=event.payload,
                    attachments=attachments,
                )
            except ValidationError as error:
                problems = "; ".join(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}" for problem in error.errors()[:3])
                log.error("event %s (%s) is invalid and kept as failed: %s", event.event_id, event.event_type, problems)
                self.outbox.mark_failed(event.event_id, f"invalid: {problems}", self.clock())
                continue
            item_size = len(event.payload_json()) + sum(len(text) for text in attachments.values())
            if batch and size + item_size > MAX_BATCH_BYTES:
                break
            batch.append(item)
            size += item_size
        return batch

    def _pull(self, client: HqClient, report: SyncReport) -> None:
        for dataset in self.datasets:
            cursor = self.sink.reference_cursor(dataset)
            while True:
                page = client.pull(dataset, cursor)
                if page.dataset != dataset or page.cursor < cursor:
                    raise HqRefused(f"HQ returned {page.dataset} at cursor {page.cursor} for a pull of {dataset} after {cursor}")
                if page.changes:
                    self.sink.apply_reference_changes(dataset, page.changes, page.cursor)
                    report.pulled += len(page.changes)
                    if self.on_progress:
                        self.on_progress(dataset, report.pulled, report.pulled + (1 if page.more else 0))
                cursor = page.cursor
                if not page.more:
                    break
