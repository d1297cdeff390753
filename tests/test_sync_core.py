"""Sync between a demo branch and a real HQ process over mutual TLS on loopback, and HQ's ingest and pull rules."""

import base64
import hashlib
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hq.database import connect, migrate
from hq.ingest import Sender, ingest_batch
from hq.reference import changes_after, publish
from sync.protocol import Event, Outcome, UploadRequest
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, link_branch

SENDER = Sender(BRANCH_ID, KIOSK_ID)
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    migrate(engine)
    return engine


def _event(event_type="verification.recorded", payload=None, **fields) -> Event:
    return Event(
        event_id=fields.get("event_id", str(uuid.uuid4())),
        event_type=event_type,
        aggregate_id=fields.get("aggregate_id", "V-1"),
        created_at=fields.get("created_at", NOW),
        payload=payload if payload is not None else {"decision": "approved"},
        attachments=fields.get("attachments", {}),
    )


def _upload(engine, *batch: Event, at=NOW):
    return ingest_batch(engine, UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=list(batch)), SENDER, at).results


def test_repeat_gets_the_first_result(engine):
    event = _event()
    (first,) = _upload(engine, event)
    (again,) = _upload(engine, event, at=NOW + timedelta(hours=1))

    assert first.outcome is Outcome.ACCEPTED
    assert not first.repeat
    assert again.outcome is Outcome.ACCEPTED
    assert again.repeat
    assert again.received_at == first.received_at


def test_same_id_other_content_is_a_conflict(engine):
    event = _event()
    _upload(engine, event)
    changed = event.model_copy(update={"payload": {"decision": "refused"}})

    (result,) = _upload(engine, changed)

    assert result.outcome is Outcome.CONFLICT
    assert "other content" in result.detail


def test_repeat_inside_one_batch_is_stored_once(engine):
    event = _event()
    results = _upload(engine, event, event)
    assert [result.outcome for result in results] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar() == 1


def test_contract_pdf_must_match_its_hash(engine):
    pdf = b"%PDF-1.7 test"
    good = {"contract_no": "BJ-CY01-20261205-0001", "signed_at": NOW.isoformat(), "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    attachments = {"pdf": base64.b64encode(pdf).decode()}
    bad = _event("contract.signed", dict(good, pdf_sha256="0" * 64), aggregate_id=good["contract_no"], attachments=attachments)
    stored = _event("contract.signed", good, aggregate_id=good["contract_no"], attachments=attachments)

    rejected, accepted = _upload(engine, bad, stored)

    assert rejected.outcome is Outcome.REJECTED
    assert accepted.outcome is Outcome.ACCEPTED
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT contract_no, pdf, upgrade_state FROM contracts").one() == (good["contract_no"], pdf, "pending")


def test_batch_for_another_branch_is_refused(engine):
    with pytest.raises(PermissionError):
        ingest_batch(engine, UploadRequest(branch_id="SH-PD01", kiosk_id=KIOSK_ID, events=[_event()]), SENDER, NOW)


def test_pull_pages_keep_newest_state(engine):
    publish(engine, "blacklist", [(f"BL-{n}", {"n": n}) for n in range(7)])
    publish(engine, "blacklist", [("BL-2", None), ("BL-3", {"n": 33})])

    first = changes_after(engine, "blacklist", 0, limit=4)
    second = changes_after(engine, "blacklist", first.cursor, limit=4)
    rest = changes_after(engine, "blacklist", second.cursor, limit=4)

    assert first.more
    assert not second.more
    assert rest.changes == []
    seen = {change.key: change.value for change in first.changes + second.changes}
    assert seen["BL-2"] is None
    assert seen["BL-3"] == {"n": 33}
    assert len(first.changes) + len(second.changes) == 7


def _cli(home, *argv):
    result = subprocess.run([sys.executable, "-m", "countersign", "--home", str(home), "--json", *argv], capture_output=True, text=True, timeout=120)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else result.stderr


def test_demo_rental_reaches_hq_once(branch_home, faces_dir, hq_pki, hq_sqlite, tmp_path):
    subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(branch_home), "--faces", str(faces_dir), "demo"],
        check=True, capture_output=True, timeout=300,
    )
    link_branch(branch_home, hq_pki, hq_sqlite.url)

    status, first = _cli(branch_home, "sync", "now")
    assert status == 0, first
    assert (first["status"], first["uploaded"], first["pending"]) == ("ok", 2, 0)
    status, second = _cli(branch_home, "sync", "now")
    assert (second["status"], second["uploaded"]) == ("ok", 0)

    hq = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    with hq.connect() as connection:
        types = sorted(row[0] for row in connection.exec_driver_sql("SELECT event_type FROM events"))
        assert types == ["contract.signed", "verification.recorded"]
        assert connection.exec_driver_sql("SELECT count(*) FROM contracts").scalar() == 1


def test_offline_hq_keeps_events_until_it_returns(branch_home, faces_dir, hq_pki, hq_sqlite):
    link_branch(branch_home, hq_pki, hq_sqlite.url)
    hq_sqlite.kill()
    subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(branch_home), "--faces", str(faces_dir), "demo"],
        check=True, capture_output=True, timeout=300,
    )

    status, offline = _cli(branch_home, "sync", "now")
    assert status == 1
    assert (offline["status"], offline["uploaded"], offline["pending"]) == ("offline", 0, 2)

    hq_sqlite.start()
    status, online = _cli(branch_home, "sync", "now")
    assert (status, online["status"], online["uploaded"], online["pending"]) == (0, "ok", 2, 0)
    status, listing = _cli(branch_home, "sync", "status")
    assert listing["last_success"]["uploaded"] == 2


def test_pulled_blacklist_keeps_no_full_number(branch_home, hq_pki, hq_sqlite, tmp_path):
    link_branch(branch_home, hq_pki, hq_sqlite.url)
    hq = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    publish(hq, "blacklist", [("BL-1", {"document_number": "110105196108040013", "reason": "unpaid damage"})])

    status, report = _cli(branch_home, "sync", "now")

    assert (status, report["pulled"]) == (0, 1)
    from countersign.config import load_config
    from kiosk.store.key_sources.rotation import open_keyed_store
    from kiosk.store.rentals import RentalStore
    from kiosk.store.sync_store import StoreSyncAdapter

    config = load_config(branch_home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        adapter = StoreSyncAdapter(RentalStore(keyed.database, keyed.biometrics))
        (item,) = adapter.reference_items("blacklist", "110105196108040013")
        assert item == {"key": "BL-1", "masked_number": "110105********0013", "reason": "unpaid damage"}
        assert adapter.reference_items("blacklist", "110101199003070013") == []
        raw = keyed.database.connection.execute("SELECT value FROM reference_items").fetchone()[0]
        assert "110105196108040013" not in raw
    finally:
        keyed.database.close()


def test_activity_feed_merges_visits(engine):
    from hq.activity import record_visits

    earlier = NOW - timedelta(hours=1)
    with engine.begin() as connection:
        record_visits(connection, [("110105196108040013", "BJ-CY01", earlier), ("110101199003070013", "BJ-CY01", earlier)], NOW)
    with engine.begin() as connection:
        record_visits(connection, [("110105196108040013", "SH-PD01", NOW), ("110105196108040013", "SH-PD01", NOW)], NOW)

    page = changes_after(engine, "activity", 0)
    latest = {change.value["document_number"]: change for change in page.changes}
    visits = latest["110105196108040013"].value["visits"]
    assert [visit["branch_id"] for visit in visits] == ["BJ-CY01", "SH-PD01"]
    assert len(latest["110101199003070013"].value["visits"]) == 1
    assert not latest["110105196108040013"].key.endswith("0013")
