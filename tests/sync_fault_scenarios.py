"""A kiosk and a real HQ joined through :class:`FaultRelay`, the faults that can hit a sync, and a seeded scenario generator.

:class:`SyncRig` contains the pieces: the branch home (a copy of the demo branch) with its
SQLCipher store open in this process, ``countersign hq serve`` as a child process, and
the relay that the branch's ``[hq] url`` names. Each fault function runs one sync under
one fault and then checks :func:`assert_sent_only_when_stored`. :func:`run_scenario`
queues events, applies a scenario's faults in order, syncs cleanly until nothing is
pending and checks :func:`assert_exactly_once`.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from countersign.config import load_config
from countersign.sync_link import build_agent, hq_client
from hq.database import connect
from hq.schema import events as hq_events
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from sync.agent import STATUS_OK, SyncReport
from sync.outbox import OutboxEvent
from sync.protocol import MAX_BATCH_EVENTS, Outcome, UploadRequest
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, HqPki, HqProcess, free_port, link_branch, write_hq_config
from tests.sync_fault_records import (
    append_events,
    assert_exactly_once,
    assert_sent_only_when_stored,
    hq_records,
    kiosk_records,
    protocol_event,
)
from tests.sync_faults import FaultRelay, RelayMode

ZONE = ZoneInfo("Asia/Shanghai")

# Clean syncs after the faults; one is enough unless a backlog outlasts the agent's upload budget.
FINAL_SYNC_RUNS = 5

FAULTS = ("drop_responses", "cut_midway", "delay", "hq_kill", "kiosk_kill", "repeat_reorder")
# Kills cost a process start each (about 2 s), so they are drawn less often than the relay faults.
FAULT_WEIGHTS = (3, 3, 2, 2, 2, 3)


@dataclass
class Timing:
    """Running estimates that place kills inside a sync rather than after it."""

    upload_seconds_per_event: float = 0.002
    kiosk_start_seconds: float = 2.5

    def learn_upload(self, report: SyncReport, seconds: float) -> None:
        if report.status == STATUS_OK and report.uploaded >= 50:
            self.upload_seconds_per_event = seconds / report.uploaded


@dataclass
class FaultCounters:
    """How often each fault ran, and how many kills landed while a sync was still running."""

    runs: dict[str, int] = field(default_factory=dict)
    hq_kills_mid_sync: int = 0
    kiosk_kills_mid_sync: int = 0
    dropped_with_batch_stored: int = 0

    def count(self, fault: str) -> None:
        self.runs[fault] = self.runs.get(fault, 0) + 1

    def totals(self) -> dict[str, int]:
        """Return every counter in one flat mapping, for a summary line."""
        return {
            **self.runs,
            "hq_kills_mid_sync": self.hq_kills_mid_sync,
            "kiosk_kills_mid_sync": self.kiosk_kills_mid_sync,
            "dropped_with_batch_stored": self.dropped_with_batch_stored,
        }


class SyncRig:
    """One branch and one HQ joined by a relay; call :meth:`close` at the end."""

    def __init__(self, home: Path, pki: HqPki, folder: Path, database_url: str) -> None:
        self.home = home
        self.folder = folder
        self.database_url = database_url
        port = free_port()
        self.hq = HqProcess(write_hq_config(folder, pki, database_url, port), port, folder / "hq.log").start()
        self.relay = FaultRelay(port).start()
        link_branch(home, pki, self.relay.url)
        self.config = load_config(home)
        self.engine: Engine = connect(database_url)
        self.timing = Timing()
        self.counters = FaultCounters()
        self.next_at = datetime(2026, 12, 5, 9, 0, tzinfo=ZONE)
        self.keyed = open_keyed_store(self.config.store_path, self.config.store_key)
        self.store = RentalStore(self.keyed.database, self.keyed.biometrics)
        self.agent, self.adapter = build_agent(self.config, self.store)

    def close(self) -> None:
        self.keyed.database.close()
        self.relay.stop()
        self.hq.stop()
        self.engine.dispose()

    def queue(self, rng: random.Random, count: int, contract_share: float) -> list[str]:
        """Queue ``count`` events, later than every event queued before."""
        ids = append_events(self.store, rng, count, contract_share, self.next_at)
        self.next_at += timedelta(milliseconds=count + 1)
        return ids

    def sync(self, batch_events: int = MAX_BATCH_EVENTS) -> SyncReport:
        """Run one sync in this process, as the kiosk's scheduler does."""
        self.agent.batch_events = batch_events
        started = time.monotonic()
        report = self.agent.run_once()
        self.timing.learn_upload(report, time.monotonic() - started)
        return report

    def check(self, context: str) -> None:
        assert_sent_only_when_stored(kiosk_records(self.adapter), hq_records(self.engine, BRANCH_ID), context)

    def finish(self, context: str) -> None:
        """Sync without faults until nothing is pending, then check exactly-once."""
        self.relay.set_mode(RelayMode.PASS)
        if self.hq.process is None or self.hq.process.poll() is not None:
            self.hq.start()
        for _ in range(FINAL_SYNC_RUNS):
            report = self.sync()
            assert report.status == STATUS_OK, f"clean sync ended {report.status}: {report.detail} {context}"
            if report.pending == 0:
                break
        assert self.adapter.count_pending() == 0, f"{self.adapter.count_pending()} event(s) pending after {FINAL_SYNC_RUNS} clean syncs {context}"
        assert_exactly_once(kiosk_records(self.adapter), hq_records(self.engine, BRANCH_ID), context)

    def upload_estimate(self, batch_events: int = MAX_BATCH_EVENTS) -> float:
        pending = self.adapter.count_pending()
        return max(pending, 1) * self.timing.upload_seconds_per_event + 0.05 * (pending // max(batch_events, 1))


def stored_at_hq(engine: Engine, event_ids: list[str]) -> set[str]:
    """Return the ids among ``event_ids`` that HQ has stored."""
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(select(hq_events.c.event_id).where(hq_events.c.event_id.in_(event_ids)))}


# Faults ---------------------------------------------------------------------------


def fault_drop_responses(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """Drop every response while a sync runs: HQ stores the first batch, the kiosk never hears."""
    first = [event.event_id for event in rig.adapter.pending_events(batch_events)]
    dropped_before = rig.relay.counters.dropped_responses
    rig.relay.set_mode(RelayMode.DROP_RESPONSES)
    report = rig.sync(batch_events)
    rig.relay.set_mode(RelayMode.PASS)

    assert report.status != STATUS_OK, f"sync ended ok while every response was dropped {context}"
    assert rig.relay.counters.dropped_responses > dropped_before, f"the relay dropped no response {context}"
    if first:
        # The mode is real only if HQ stored the batch whose response never arrived.
        stored = stored_at_hq(rig.engine, first)
        assert stored, f"HQ stored nothing of the batch whose response was dropped {context}"
        still_pending = {event.event_id for event in rig.adapter.pending_events(len(first) + rig.adapter.count_pending())}
        assert stored & still_pending, f"no stored event of the dropped batch is pending at the kiosk {context}"
        rig.counters.dropped_with_batch_stored += 1
    rig.check(context)


def fault_cut_midway(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """Cut the network at a random moment of a sync, then restore it."""
    timer = threading.Timer(rng.uniform(0, rig.upload_estimate(batch_events)), rig.relay.set_mode, (RelayMode.CUT,))
    timer.start()
    rig.sync(batch_events)
    timer.cancel()
    timer.join()
    rig.relay.set_mode(RelayMode.PASS)
    rig.check(context)


def fault_delay(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """Sync through a slow link; the sync must still finish."""
    rig.relay.set_mode(RelayMode.DELAY, delay=rng.uniform(0.001, 0.02))
    report = rig.sync(batch_events)
    rig.relay.set_mode(RelayMode.PASS)
    assert report.status == STATUS_OK, f"sync through a slow link ended {report.status}: {report.detail} {context}"
    rig.check(context)


def fault_hq_kill(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """SIGKILL HQ at a random moment of an upload, check, and start it again."""
    process = rig.hq.process
    timer = threading.Timer(rng.uniform(0, rig.upload_estimate(batch_events)), rig.hq.kill)
    timer.start()
    report = rig.sync(batch_events)
    timer.join()
    if report.status != STATUS_OK and process is not None and process.returncode == -signal.SIGKILL:
        rig.counters.hq_kills_mid_sync += 1
    rig.check(context)
    rig.hq.start()


def fault_kiosk_kill(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """Start ``countersign sync now`` and SIGKILL it at a random moment, then check."""
    delay = rng.uniform(0, rig.timing.kiosk_start_seconds + rig.upload_estimate())
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "countersign", "--home", str(rig.home), "--json", "sync", "now"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=delay)
        # It finished before the kill; its run time teaches where the next kill should fall.
        rig.timing.kiosk_start_seconds = max(0.5, time.monotonic() - started - rig.upload_estimate())
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        rig.counters.kiosk_kills_mid_sync += 1
    rig.check(context)


def fault_repeat_reorder(rig: SyncRig, rng: random.Random, batch_events: int, context: str) -> None:
    """Send a sample of the outbox straight to HQ again: overlapping batches, later ones first.

    Events HQ stored before come back ``accepted`` with ``repeat`` and their first
    ``received_at``. Events the kiosk has not sent yet are stored now, and the kiosk's
    next sync gets them back as repeats.
    """
    records = kiosk_records(rig.adapter)
    if not records.events:
        return
    before = received_at_hq(rig.engine, list(records.events))
    sample = rng.sample(sorted(records.events), min(len(records.events), rng.randint(1, 120)))
    outbox = {event.event_id: event for event in outbox_events(rig, sample)}

    size = max(1, len(sample) // 3)
    batches = [sample[start : start + size + size // 2] for start in range(0, len(sample), size)]
    batches.reverse()
    with hq_client(rig.config) as client:
        for batch in batches:
            events = [protocol_event(rig.adapter, outbox[event_id]) for event_id in batch]
            rng.shuffle(events)
            response = client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=events))
            for event, result in zip(events, response.results, strict=True):
                assert result.outcome is Outcome.ACCEPTED, f"repeat of {event.event_id} was {result.outcome.value} {context}"
                if event.event_id in before:
                    assert result.repeat, f"event {event.event_id} stored earlier is not answered as a repeat {context}"
                    assert result.received_at == before[event.event_id], f"repeat of {event.event_id} changed received_at {context}"
    rig.check(context)


def outbox_events(rig: SyncRig, event_ids: list[str]) -> list[OutboxEvent]:
    connection = rig.store.database.connection
    marks = ",".join("?" for _ in event_ids)
    rows = connection.execute(
        f"SELECT event_id, event_type, aggregate_id, payload, created_at FROM outbox WHERE event_id IN ({marks})", event_ids
    ).fetchall()
    return [OutboxEvent(row[1], row[2], json.loads(row[3]), datetime.fromisoformat(row[4]), row[0]) for row in rows]


def received_at_hq(engine: Engine, event_ids: list[str]) -> dict[str, datetime]:
    found = {}
    with engine.connect() as connection:
        for start in range(0, len(event_ids), 500):
            chunk = event_ids[start : start + 500]
            for event_id, received_at in connection.execute(
                select(hq_events.c.event_id, hq_events.c.received_at).where(hq_events.c.event_id.in_(chunk))
            ):
                found[event_id] = received_at if received_at.tzinfo else received_at.replace(tzinfo=timezone.utc)
    return found


FAULT_STEPS = {
    "drop_responses": fault_drop_responses,
    "cut_midway": fault_cut_midway,
    "delay": fault_delay,
    "hq_kill": fault_hq_kill,
    "kiosk_kill": fault_kiosk_kill,
    "repeat_reorder": fault_repeat_reorder,
}


# Random scenarios ------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One randomised run: how many events to queue, how to batch them and which faults hit, in order."""

    number: int
    seed: int
    events: int
    contract_share: float
    batch_events: int
    faults: tuple[str, ...]


def random_scenario(rng: random.Random, number: int) -> Scenario:
    """Draw a scenario; every field comes from ``rng``, so one seed repeats the whole sequence."""
    return Scenario(
        number=number,
        seed=rng.getrandbits(32),
        events=rng.choice([1, rng.randint(2, 60), rng.randint(60, 400), rng.randint(400, 1200)]),
        contract_share=rng.choice([0.0, 0.1, 0.3, 1.0]),
        batch_events=rng.choice([1, 7, 50, 200, MAX_BATCH_EVENTS]),
        faults=tuple(rng.choices(FAULTS, weights=FAULT_WEIGHTS, k=rng.randint(1, 3))),
    )


def run_scenario(rig: SyncRig, scenario: Scenario, context: str) -> None:
    """Queue the scenario's events, apply its faults (queuing more between them) and finish with a clean sync."""
    rng = random.Random(scenario.seed)
    rig.queue(rng, scenario.events, scenario.contract_share)
    for step, fault in enumerate(scenario.faults):
        rig.counters.count(fault)
        FAULT_STEPS[fault](rig, rng, scenario.batch_events, f"{context}, step {step} {fault}")
        if rng.random() < 0.5:
            rig.queue(rng, rng.randint(1, 50), scenario.contract_share)
    rig.finish(context)
