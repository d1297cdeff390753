"""Wire the branch's store to the sync agent: the one module that imports both ``kiosk`` and ``sync``."""

from datetime import datetime
from zoneinfo import ZoneInfo

from countersign.config import BranchConfig
from kiosk.store.biometrics import BiometricCipher
from kiosk.store.database import Database
from kiosk.store.key_sources import StoreKeys
from kiosk.store.rentals import RentalStore
from kiosk.store.sync_store import LAST_SUCCESS, StoreSyncAdapter
from sync.agent import SyncAgent, SyncLock, SyncReport
from sync.client import HqClient
from sync.schedule import NetworkWatch, SyncScheduler
from sync.tls import client_context

SYNC_LOCK = "run/sync.lock"


def hq_client(config: BranchConfig, timeout: float = 15.0) -> HqClient:
    """Return a client for the branch's HQ; the config must have an ``[hq]`` table."""
    link = config.hq
    assert link is not None
    return HqClient(link.url, client_context(link.ca, link.certificate, link.private_key), timeout=timeout)


def build_agent(config: BranchConfig, store: RentalStore, on_progress=None) -> tuple[SyncAgent, StoreSyncAdapter]:
    """Return the sync agent over ``store`` and the adapter it works on; the config must have ``[hq]``."""
    link = config.hq
    assert link is not None
    adapter = StoreSyncAdapter(store)
    zone = ZoneInfo(config.branch.timezone)
    agent = SyncAgent(
        outbox=adapter,
        sink=adapter,
        connect=lambda: hq_client(config),
        branch_id=config.branch.branch_id,
        kiosk_id=link.kiosk_id,
        clock=lambda: datetime.now(zone),
        lock=SyncLock(config.home / SYNC_LOCK),
        on_progress=on_progress,
    )
    return agent, adapter


class BranchSync:
    """The kiosk's scheduled sync: :class:`SyncScheduler` plus :class:`NetworkWatch`, each run on its own store connection.

    The runtime's store connection belongs to the session's thread, so every run opens
    and closes its own connection with the branch's keys.
    """

    def __init__(self, config: BranchConfig, keys: StoreKeys, on_report=None, on_progress=None) -> None:
        link = config.hq
        assert link is not None
        self.config = config
        self._keys = keys
        self._on_progress = on_progress
        self._on_report = on_report
        self.scheduler = SyncScheduler(self.run_once, interval_seconds=link.interval_minutes * 60.0, on_report=on_report)
        self.watch = NetworkWatch(self.scheduler.run_now)

    def start(self) -> "BranchSync":
        """Report the last state kept in the store, then start the schedule and the network watch."""
        if self._on_report is not None:
            self._on_report(self.stored_state())
        self.scheduler.start()
        self.watch.start()
        return self

    def stored_state(self) -> SyncReport:
        """Return the last successful run kept in the store, with today's queue (never-synced: an empty report)."""
        database = Database.open(self.config.store_path, self._keys.store)
        try:
            adapter = StoreSyncAdapter(RentalStore(database, BiometricCipher(self._keys.biometric)))
            success = adapter.last_run(LAST_SUCCESS)
            report = SyncReport(pending=adapter.count_pending(), failed=adapter.count_failed())
        finally:
            database.close()
        if success is not None and success.get("finished_at"):
            report.finished_at = datetime.fromisoformat(success["finished_at"])
        else:
            report.status = "idle"
            report.detail = "no successful sync yet"
        return report

    def stop(self) -> None:
        self.watch.stop()
        self.scheduler.stop()

    def run_once(self) -> SyncReport:
        """Run one sync on a fresh store connection and keep its report in the store."""
        database = Database.open(self.config.store_path, self._keys.store)
        try:
            store = RentalStore(database, BiometricCipher(self._keys.biometric))
            agent, adapter = build_agent(self.config, store, on_progress=self._on_progress)
            report = agent.run_once()
            if report.status != "busy":
                adapter.record_run(report.to_json())
            return report
        finally:
            database.close()
