"""When the kiosk syncs: every few minutes, sooner after a failure with backoff, and when the network returns.

:class:`SyncScheduler` runs one job on an APScheduler background thread. After each run
it schedules the next: the regular interval after a success, and after a failure a
delay that doubles with each failure in a row, up to a cap. The delay is multiplied by
a random factor between 0.5 and 1 (jitter), so that a hundred branches whose network
came back at the same moment do not all call HQ in the same second. :class:`NetworkWatch` looks at the
kernel's routing table and asks for a run at once when a default route appears.

Runs never overlap: the job has ``max_instances=1`` here, and the agent takes a file
lock that ``countersign sync now`` takes too.
"""

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from sync.agent import STATUS_BUSY, STATUS_OK, SyncReport

log = logging.getLogger(__name__)

JOB_ID = "sync"
ROUTES = Path("/proc/net/route")


@dataclass(frozen=True)
class Backoff:
    """Delays after failures in a row: ``base * 2**(failures - 1)`` capped at ``cap``, times a factor in [0.5, 1]."""

    base_seconds: float = 15.0
    cap_seconds: float = 600.0

    def delay(self, failures: int, rng: random.Random) -> float:
        if failures < 1:
            raise ValueError("a backoff delay follows at least one failure")
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(failures - 1, 30))
        return ceiling * rng.uniform(0.5, 1.0)


class SyncScheduler:
    """Calls ``run_sync()`` on a background thread, at ``interval_seconds`` or on backoff.

    ``on_report`` receives every report (the clerk's status line); it runs on the
    scheduler's thread, so a Qt receiver must hand it over with a queued signal.
    """

    def __init__(
        self,
        run_sync: Callable[[], SyncReport],
        interval_seconds: float,
        backoff: Backoff = Backoff(),
        on_report: Callable[[SyncReport], None] | None = None,
        rng: random.Random | None = None,
        first_delay_seconds: float = 5.0,
    ) -> None:
        self._run_sync = run_sync
        self.interval_seconds = interval_seconds
        self.backoff = backoff
        self._on_report = on_report
        self._rng = rng or random.Random()
        self._first_delay_seconds = first_delay_seconds
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self.failures = 0
        self.last_report: SyncReport | None = None
        self.last_success: SyncReport | None = None
        self.next_delay_seconds: float | None = None

    def start(self) -> "SyncScheduler":
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.start()
        self._scheduler = scheduler
        self._schedule(self._first_delay_seconds)
        log.info("sync scheduled every %.0f s, first run in %.0f s", self.interval_seconds, self._first_delay_seconds)
        return self

    def stop(self) -> None:
        """Stop the thread, waiting for a running sync to finish."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def run_now(self) -> None:
        """Ask for a run at once (the clerk's button, or the network coming back)."""
        self._schedule(0.0)

    def _schedule(self, delay_seconds: float) -> None:
        with self._lock:
            if self._scheduler is None:
                return
            self.next_delay_seconds = delay_seconds
            self._scheduler.add_job(
                self._run,
                "date",
                run_date=datetime.now().astimezone() + timedelta(seconds=delay_seconds),
                id=JOB_ID,
                replace_existing=True,
                max_instances=1,
                misfire_grace_time=None,
            )

    def _run(self) -> None:
        try:
            report = self._run_sync()
        except Exception as error:  # for example a store fault; the next run retries
            log.exception("sync run failed")
            report = SyncReport(status="error", detail=f"sync run failed: {error}")
        self.last_report = report

        if report.status == STATUS_OK:
            self.failures = 0
            self.last_success = report
            delay = self.interval_seconds
            # A backlog larger than one run's upload budget continues at once.
            if report.pending and report.uploaded:
                delay = 1.0
        elif report.status == STATUS_BUSY:
            delay = self.backoff.base_seconds
        else:
            self.failures += 1
            delay = self.backoff.delay(self.failures, self._rng)
            log.info("sync %s (%d in a row); next try in %.0f s", report.status, self.failures, delay)

        if self._on_report is not None:
            try:
                self._on_report(report)
            except Exception:
                log.exception("sync report receiver failed")
        self._schedule(delay)


def has_default_route(routes: Path = ROUTES) -> bool:
    """Return whether the kernel has an IPv4 default route on an interface other than loopback."""
    try:
        lines = routes.read_text().splitlines()[1:]
    except OSError:
        return True  # cannot tell (not Linux): assume the network is there and let the sync find out
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[0] != "lo" and fields[1] == "00000000" and int(fields[3], 16) & 0x1:
            return True
    return False


class NetworkWatch:
    """Calls ``on_return()`` when a default route appears after there was none, checking every ``every_seconds``."""

    def __init__(self, on_return: Callable[[], None], every_seconds: float = 10.0, probe: Callable[[], bool] = has_default_route) -> None:
        self._on_return = on_return
        self._every_seconds = every_seconds
        self._probe = probe
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.online = probe()

    def start(self) -> "NetworkWatch":
        self._thread = threading.Thread(target=self._watch, name="network-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(self._every_seconds):
            online = self._probe()
            if online and not self.online:
                log.info("network is back (default route present); syncing now")
                self._on_return()
            self.online = online
