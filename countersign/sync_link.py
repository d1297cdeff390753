"""Wire the branch's store to the sync agent: the one place that knows both ``kiosk`` and ``sync``."""

from datetime import datetime
from zoneinfo import ZoneInfo

from countersign.config import BranchConfig
from kiosk.store.rentals import RentalStore
from kiosk.store.sync_store import StoreSyncAdapter
from sync.agent import SyncAgent, SyncLock
from sync.client import HqClient
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
