"""The retention purge on a schedule, with one catch-up run at start and after a clock jump or sleep."""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from countersign.config import BranchConfig
from kiosk.store.retention import PurgeReport, purge_store

log = logging.getLogger(__name__)

# Wall time and monotonic time may part by this much between two ticks before the
# difference counts as a clock jump or a sleep (NTP slews far more slowly than this).
DRIFT_TOLERANCE_SECONDS = 120.0


@dataclass(frozen=True)
class PurgeRun:
    """One purge: why it ran ("start", "interval" or "clock_jump"), when (wall clock), and its report."""

    reason: str
    at: datetime
    report: PurgeReport | None  # None when the purge raised; the error is logged


class RetentionScheduler:
    """Calls ``run_purge(now)`` every ``interval_seconds`` on an APScheduler background thread.

    A tick every ``tick_seconds`` compares how far ``clock`` (the branch's wall clock)
    and ``monotonic`` moved since the last tick. A gap above ``drift_tolerance_seconds``
    means the wall clock jumped or the machine slept (Linux's monotonic clock stops
    during suspend), and the tick runs one catch-up purge at once. Whether a purge is
    due is counted in monotonic time, so a clock jump neither skips nor repeats runs.
    """

    def __init__(
        self,
        run_purge: Callable[[datetime], PurgeReport],
        clock: Callable[[], datetime],
        interval_seconds: float,
        tick_seconds: float = 60.0,
        drift_tolerance_seconds: float = DRIFT_TOLERANCE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < tick_seconds <= interval_seconds:
            raise ValueError(f"tick_seconds must be positive and at most interval_seconds, not {tick_seconds}")
        self._run_purge = run_purge
        self._clock = clock
        self._interval_seconds = interval_seconds
        self._tick_seconds = tick_seconds
        self._drift_tolerance_seconds = drift_tolerance_seconds
        self._monotonic = monotonic
        self._scheduler: BackgroundScheduler | None = None
        self._last_tick: tuple[float, datetime] | None = None
        self._last_purge_monotonic: float | None = None
        self._lock = threading.Lock()
        self.runs: deque[PurgeRun] = deque(maxlen=50)

    def start(self) -> "RetentionScheduler":
        """Start the background thread; the first tick runs at once and purges with the reason "start"."""
        # NOTE: APScheduler 3 times the ticks by the system wall clock, so after the system
        # clock is set back the next tick waits for the lost time; signing is guarded by
        # the clock check in the meantime.
        scheduler = BackgroundScheduler(daemon=True)
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self._tick_seconds,
            id="retention-tick",
            next_run_time=datetime.now().astimezone(),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("retention purge scheduled every %.0f s, clock checked every %.0f s", self._interval_seconds, self._tick_seconds)
        return self

    def stop(self) -> None:
        """Stop the thread, waiting for a running purge to finish."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
            log.info("retention purge stopped")

    def tick(self) -> None:
        """Decide whether a purge is due and run it; called by the scheduler, callable directly."""
        with self._lock:
            monotonic_now = self._monotonic()
            wall_now = self._clock()
            reason = self._reason(monotonic_now, wall_now)
            self._last_tick = (monotonic_now, wall_now)
            if reason is None:
                return

            try:
                report = self._run_purge(wall_now)
            except Exception:
                log.exception("retention purge (%s) failed; it runs again on the next tick", reason)
                self.runs.append(PurgeRun(reason, wall_now, None))
                return
            self._last_purge_monotonic = monotonic_now
            self.runs.append(PurgeRun(reason, wall_now, report))
            log.info("retention purge (%s) deleted %s", reason, report.deleted)

    def _reason(self, monotonic_now: float, wall_now: datetime) -> str | None:
        if self._last_tick is None:
            return "start"
        last_monotonic, last_wall = self._last_tick
        drift = (wall_now - last_wall).total_seconds() - (monotonic_now - last_monotonic)
        if abs(drift) > self._drift_tolerance_seconds:
            log.warning("wall clock moved %+.0f s against monotonic time since the last tick: clock jump or sleep", drift)
            return "clock_jump"
        if self._last_purge_monotonic is None or monotonic_now - self._last_purge_monotonic >= self._interval_seconds:
            return "interval"
        return None


def start_retention_scheduler(config: BranchConfig, key: bytes, clock: Callable[[], datetime]) -> RetentionScheduler:
    """Start the purge of ``config``'s store under its ``[retention]`` rules, on its own store connection."""

    def run_purge(now: datetime) -> PurgeReport:
        return purge_store(config.store_path, key, config.retention, now)

    interval_seconds = config.purge_interval_minutes * 60.0
    return RetentionScheduler(run_purge, clock, interval_seconds, tick_seconds=min(60.0, interval_seconds)).start()
