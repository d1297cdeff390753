"""Exactly-once sync under faults, all on loopback: a real kiosk store, a real HQ process and a relay that breaks the link.

Every test ends with the same check (``assert_exactly_once``): the set of
(event_id, content hash) at HQ equals the set in the kiosk's outbox, the event counts
per aggregate match, every event is marked sent, nothing is pending or failed, and
HQ's contracts table holds each signed contract once, with the PDF the kiosk signed.
After each fault, before the clean sync, ``assert_sent_only_when_stored`` checks that
the kiosk marked nothing sent that HQ lacks.

Environment:

- ``COUNTERSIGN_SYNC_FAULT_RUNS``: randomised scenarios (default 6; ``make sync-soak`` runs 1,000);
- ``COUNTERSIGN_SYNC_FAULT_SEED``: the seed of every random choice in this module (default:
  a new one, printed and named in every failure message so that a run can be repeated).
"""

import hashlib
import json
import os
import random
import secrets
import shutil
import time
from collections import Counter

import pytest

from countersign.sync_link import hq_client
from sync.agent import STATUS_OFFLINE, STATUS_OK
from sync.outbox import OutboxEvent
from sync.protocol import Outcome, UploadRequest
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID
from tests.sync_fault_records import hq_records, kiosk_records, protocol_event
from tests.sync_fault_scenarios import (
    SyncRig,
    outbox_events,
    received_at_hq,
    fault_delay,
    fault_drop_responses,
    fault_hq_kill,
    fault_kiosk_kill,
    random_scenario,
    run_scenario,
    stored_at_hq,
)
from tests.sync_faults import RelayMode

RUNS = int(os.environ.get("COUNTERSIGN_SYNC_FAULT_RUNS", "6"))
SEED = int(os.environ.get("COUNTERSIGN_SYNC_FAULT_SEED") or secrets.randbits(32))
# SIGKILLs of HQ and of `countersign sync now` per kill test in `make test`.
KILLS = 3
# A fresh branch and HQ every this many randomised runs, so that the checks read a bounded outbox.
RUNS_PER_RIG = 50


@pytest.fixture(scope="module", autouse=True)
def announce_seed():
    print(f"sync faults: {RUNS} randomised runs, seed {SEED} (set COUNTERSIGN_SYNC_FAULT_SEED={SEED} to repeat)")


def _rig(branch_home, hq_pki, folder, database_url=None) -> SyncRig:
    folder.mkdir(parents=True, exist_ok=True)
    return SyncRig(branch_home, hq_pki, folder, database_url or f"sqlite:///{folder / 'hq.db'}")


@pytest.fixture
def rig(branch_home, hq_pki, tmp_path):
    rig = _rig(branch_home, hq_pki, tmp_path / "hq")
    yield rig
    rig.close()


def _rng(test: str) -> random.Random:
    return random.Random(f"{SEED}-{test}")


def test_cut_link_keeps_events_pending(rig):
    rng = _rng("cut")
    rig.queue(rng, 40, 0.3)
    rig.relay.set_mode(RelayMode.CUT)

    report = rig.sync()

    assert (report.status, report.uploaded, report.pending) == (STATUS_OFFLINE, 0, 40)
    assert rig.relay.counters.cut >= 1
    assert hq_records(rig.engine, BRANCH_ID).rows == 0
    rig.finish(f"(seed {SEED}, cut link)")


def test_dropped_response_batch_stored_once(rig):
    rng = _rng("drop")
    rig.queue(rng, 120, 0.3)

    fault_drop_responses(rig, rng, 50, f"(seed {SEED}, dropped response)")

    assert rig.counters.dropped_with_batch_stored == 1
    assert rig.adapter.count_pending() > 0
    report = rig.sync(50)
    assert (report.status, report.pending) == (STATUS_OK, 0)
    # The batch HQ stored while its response was lost counts as uploaded now, as repeats.
    assert report.uploaded == 120
    rig.finish(f"(seed {SEED}, dropped response)")


def test_slow_link_still_syncs(rig):
    rng = _rng("delay")
    rig.queue(rng, 80, 0.3)
    fault_delay(rig, rng, 20, f"(seed {SEED}, slow link)")
    rig.finish(f"(seed {SEED}, slow link)")


def test_repeated_and_reordered_batches_store_once(rig):
    """Send batches straight to HQ: the same one twice, overlapping ones, later ones before earlier."""
    rng = _rng("repeat")
    ids = rig.queue(rng, 60, 0.3)
    outbox = {event.event_id: event for event in outbox_events(rig, ids)}
    events = [protocol_event(rig.adapter, outbox[event_id]) for event_id in ids]

    def upload(batch):
        with hq_client(rig.config) as client:
            return client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=batch)).results

    later, overlap, earlier = events[40:], events[20:45], events[:25]
    first_later = upload(later)
    first_overlap = upload(overlap)
    again_later = upload(later)
    first_earlier = upload(earlier)

    assert all(result.outcome is Outcome.ACCEPTED for result in first_later + first_overlap + again_later + first_earlier)
    assert [result.repeat for result in first_later] == [False] * 20
    assert [result.repeat for result in first_overlap] == [False] * 20 + [True] * 5
    assert [result.repeat for result in again_later] == [True] * 20
    assert [result.repeat for result in first_earlier] == [False] * 20 + [True] * 5
    assert [result.received_at for result in again_later] == [result.received_at for result in first_later]
    received = received_at_hq(rig.engine, ids)
    assert [result.received_at for result in first_earlier[20:]] == [received[event.event_id] for event in earlier[20:]]

    stored = hq_records(rig.engine, BRANCH_ID)
    assert stored.rows == 60
    assert set(stored.events) == set(ids)
    # The kiosk has sent nothing itself: its sync gets 60 repeats and marks them sent.
    report = rig.sync()
    assert (report.status, report.uploaded, report.pending) == (STATUS_OK, 60, 0)
    rig.finish(f"(seed {SEED}, repeats)")


def test_changed_repeat_kept_failed_at_kiosk(rig):
    """An event id that HQ stored with other content is a conflict: the kiosk keeps the event as failed."""
    rng = _rng("conflict")
    ids = rig.queue(rng, 10, 0.0)
    (original,) = outbox_events(rig, [ids[3]])
    earlier_version = protocol_event(rig.adapter, original).model_copy(update={"payload": {**original.payload, "decision": "changed"}})
    with hq_client(rig.config) as client:
        (stored,) = client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=[earlier_version])).results
    assert stored.outcome is Outcome.ACCEPTED
    assert not stored.repeat

    report = rig.sync()

    assert (report.status, report.uploaded, report.pending, report.failed) == (STATUS_OK, 9, 0, 1)
    kiosk = kiosk_records(rig.adapter)
    assert ids[3] in kiosk.events, "the conflicting event left the outbox"
    assert kiosk.failed == {ids[3]}
    assert ids[3] not in kiosk.sent
    (failed,) = rig.adapter.failed_events()
    assert failed["event_id"] == ids[3]
    assert failed["error"].startswith("conflict:")
    hq = hq_records(rig.engine, BRANCH_ID)
    assert hq.events[ids[3]].content_sha256 == earlier_version.content_sha256()
    assert kiosk.events[ids[3]].content_sha256 != earlier_version.content_sha256()
    assert set(hq.events) == set(ids)
    # Repeating the sync changes nothing: the failed event stays out of later batches.
    again = rig.sync()
    assert (again.uploaded, again.failed) == (0, 1)


def test_changed_copy_in_one_batch_is_conflict(rig):
    rng = _rng("copy")
    (event_id,) = rig.queue(rng, 1, 0.0)
    (original,) = outbox_events(rig, [event_id])
    event = protocol_event(rig.adapter, original)
    changed = event.model_copy(update={"payload": {**original.payload, "decision": "changed"}})

    with hq_client(rig.config) as client:
        first, same, other = client.upload(UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=[event, event, changed])).results

    assert (first.outcome, same.outcome, other.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED, Outcome.CONFLICT)
    assert other.received_at == first.received_at
    assert hq_records(rig.engine, BRANCH_ID).events[event_id].content_sha256 == event.content_sha256()


def test_invalid_events_kept_failed_others_sent(rig):
    """Events that the protocol or HQ rejects are kept as failed, and the rest of the outbox still syncs."""
    rng = _rng("invalid")
    rig.queue(rng, 30, 0.3)
    connection = rig.store.database.connection
    with rig.store.database.transaction():
        # An aggregate id longer than the protocol's 128 characters: the agent cannot send it.
        rig.store._append_event(connection, OutboxEvent("verification.recorded", "V-" + "9" * 200, {"decision": "approved"}, rig.next_at))
        # A signed_at that does not parse: HQ rejects this one event instead of failing the batch.
        contract = OutboxEvent("contract.signed", "BJ-CY01-BAD", {"contract_no": "BJ-CY01-BAD", "signed_at": "yesterday"}, rig.next_at)
        rig.store._append_event(connection, contract, {"pdf": b"%PDF-1.7 bad"})
    connection.execute(
        "UPDATE outbox SET payload = json_set(payload, '$.pdf_sha256', ?) WHERE event_id = ?",
        (hashlib.sha256(b"%PDF-1.7 bad").hexdigest(), contract.event_id),
    )

    report = rig.sync(7)

    assert (report.status, report.uploaded, report.pending, report.failed) == (STATUS_OK, 30, 0, 2)
    errors = sorted(event["error"].split(":")[0] for event in rig.adapter.failed_events())
    assert errors == ["invalid", "rejected"]
    kiosk = kiosk_records(rig.adapter)
    assert len(kiosk.failed) == 2
    assert not kiosk.failed & kiosk.sent
    assert not kiosk.failed & hq_records(rig.engine, BRANCH_ID).events.keys()


def test_hq_killed_mid_upload_sqlite(rig):
    _kill_hq_repeatedly(rig, _rng("hq-kill-sqlite"), "sqlite")


def test_hq_killed_mid_upload_postgresql(branch_home, hq_pki, tmp_path, postgres_database):
    rig = _rig(branch_home, hq_pki, tmp_path / "hq", postgres_database)
    try:
        _kill_hq_repeatedly(rig, _rng("hq-kill-postgresql"), "postgresql")
    finally:
        rig.close()


def _kill_hq_repeatedly(rig: SyncRig, rng: random.Random, backend: str) -> None:
    for kill in range(KILLS):
        context = f"(seed {SEED}, {backend} HQ kill {kill})"
        rig.queue(rng, rng.randint(400, 1000), 0.3)
        fault_hq_kill(rig, rng, rng.choice([7, 50, 500]), context)
        rig.finish(context)
    print(f"HQ kills on {backend}: {rig.counters.hq_kills_mid_sync} of {KILLS} landed while the sync ran")


def test_kiosk_killed_mid_sync(rig):
    rng = _rng("kiosk-kill")
    for kill in range(KILLS):
        context = f"(seed {SEED}, kiosk kill {kill})"
        rig.queue(rng, rng.randint(500, 1200), 0.3)
        fault_kiosk_kill(rig, rng, 500, context)
        rig.finish(context)
    print(f"kiosk kills: {rig.counters.kiosk_kills_mid_sync} of {KILLS} landed while `sync now` ran")


def test_ten_thousand_events_wait_out_a_cut(rig):
    rng = _rng("backlog")
    rig.relay.set_mode(RelayMode.CUT)
    queued = rig.queue(rng, 10_000, 0.1)

    offline = rig.sync()
    assert (offline.status, offline.uploaded, offline.pending) == (STATUS_OFFLINE, 0, 10_000)

    rig.relay.set_mode(RelayMode.PASS)
    started = time.monotonic()
    runs = 0
    while rig.adapter.count_pending() and runs < 5:
        report = rig.sync()
        runs += 1
        assert report.status == STATUS_OK, report.detail
    print(f"10,000 events synced in {time.monotonic() - started:.1f} s over {runs} run(s)")
    assert len(stored_at_hq(rig.engine, queued[:1] + queued[-1:])) == 2
    rig.finish(f"(seed {SEED}, 10,000 queued)")


def test_randomised_fault_runs(branch_home, hq_pki, tmp_path, provisioned_branch):
    rng = random.Random(SEED)
    started = time.monotonic()
    totals: Counter = Counter()
    rig = None
    try:
        for number in range(RUNS):
            if number % RUNS_PER_RIG == 0:
                if rig is not None:
                    totals.update(rig.counters.totals())
                    rig.close()
                home = tmp_path / f"branch-{number}"
                shutil.copytree(provisioned_branch, home)
                rig = _rig(home, hq_pki, tmp_path / f"hq-{number}")
            scenario = random_scenario(rng, number)
            run_scenario(rig, scenario, f"(seed {SEED}, run {number}: {scenario})")
    finally:
        if rig is not None:
            totals.update(rig.counters.totals())
            rig.close()
        print(f"sync faults: {RUNS} runs in {time.monotonic() - started:.0f} s, seed {SEED}: {json.dumps(dict(sorted(totals.items())))}")
