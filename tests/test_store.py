"""The SQLCipher store: encryption at rest, keys, migrations and atomic writes."""

import hashlib
import os
import sqlite3
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import sqlcipher3

from kiosk.errors import SchemaTooNew, StoreError, StoreMissing, WrongStoreKey
from kiosk.identity.verification import VerificationResult, check_document_number
from kiosk.store.database import Database
from kiosk.store.keys import create_key_file, load_key_file
from kiosk.store.migrations import LATEST_VERSION, MIGRATIONS
from kiosk.store.rentals import Consent, RentalStore
from tests import contract_fixtures as fx

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def key(tmp_path) -> bytes:
    return create_key_file(tmp_path / "keys" / "store.key")


@pytest.fixture
def store_path(tmp_path, key):
    path = tmp_path / "store.db"
    database = Database.open(path, key, create=True)
    store = RentalStore(database)
    store.record_verification("v1", "s1", "BJ", fx.sources().identity, None, VerificationResult((check_document_number(fx.sources().identity),)), NOW)
    database.close()
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plain_sqlite_cannot_read_the_store(store_path):
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(store_path).execute("SELECT * FROM sqlite_master").fetchall()


def test_store_holds_no_plain_text(store_path):
    data = store_path.read_bytes()
    assert b"SQLite format 3" not in data
    assert "王建国".encode() not in data
    assert b"110105196108040013" not in data


def test_wrong_key_leaves_file_identical(store_path):
    before = _digest(store_path)
    files_before = sorted(os.listdir(store_path.parent))
    with pytest.raises(WrongStoreKey) as caught:
        Database.open(store_path, b"\x00" * 32)
    assert "the key is wrong" in str(caught.value)
    assert "not changed" in str(caught.value)
    assert _digest(store_path) == before
    assert sorted(os.listdir(store_path.parent)) == files_before


def test_right_key_reads_back(store_path, key):
    database = Database.open(store_path, key)
    try:
        assert database.schema_version == LATEST_VERSION
        row = database.connection.execute("SELECT decision FROM verifications WHERE verification_id = 'v1'").fetchone()
        assert row == ("approved",)
        assert database.connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert database.connection.execute("PRAGMA synchronous").fetchone() == (2,)
    finally:
        database.close()


def test_missing_store_is_not_created(tmp_path, key):
    with pytest.raises(StoreMissing):
        Database.open(tmp_path / "absent.db", key)
    assert not (tmp_path / "absent.db").exists()


def test_migrates_from_version_zero(tmp_path, key):
    path = tmp_path / "old.db"
    connection = sqlcipher3.connect(str(path))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute("CREATE TABLE unrelated (x)")
    connection.commit()
    connection.close()

    database = Database.open(path, key)
    try:
        tables = {row[0] for row in database.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"customers", "verifications", "contracts", "outbox", "reservations", "unrelated"} <= tables
        assert database.schema_version == LATEST_VERSION
    finally:
        database.close()


def test_migrates_version_one_keeping_rows(tmp_path, key):
    path = tmp_path / "v1.db"
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for statement in MIGRATIONS[0].statements:
        connection.execute(statement)
    connection.execute("PRAGMA user_version = 1")
    connection.execute("INSERT INTO verifications VALUES ('old', 's0', NULL, NULL, 'refused', '[]', '2026-01-01T00:00:00+08:00')")
    connection.close()

    database = Database.open(path, key)
    try:
        assert database.schema_version == LATEST_VERSION
        row = database.connection.execute(
            "SELECT decision, consent_version, consent_at FROM verifications WHERE verification_id = 'old'"
        ).fetchone()
        assert row == ("refused", None, None)
    finally:
        database.close()


def test_consent_is_stored_with_verification(store_path, key):
    database = Database.open(store_path, key)
    try:
        store = RentalStore(database)
        store.record_verification("v3", "s3", "BJ", None, None, VerificationResult(()), NOW, consent=Consent("consent-x", NOW))
        row = database.connection.execute(
            "SELECT consent_version, consent_at FROM verifications WHERE verification_id = 'v3'"
        ).fetchone()
        assert row == ("consent-x", NOW.isoformat())
        event = store.pending_events()[-1]
        assert event.payload["consent"] == {
            "id_processing": {"version": "consent-x", "given": True},
            "face_processing": {"version": None, "given": False},
            "decided_at": NOW.isoformat(),
        }
    finally:
        database.close()


def test_newer_schema_is_refused(store_path, key):
    connection = sqlcipher3.connect(str(store_path))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    connection.close()
    with pytest.raises(SchemaTooNew):
        Database.open(store_path, key)


def test_verification_and_outbox_event_are_written_together(store_path, key):
    database = Database.open(store_path, key)
    try:
        store = RentalStore(database)
        (event,) = store.pending_events()
        assert event.event_type == "verification.recorded"
        assert event.aggregate_id == "v1"
        assert "110105196108040013" not in event.payload_json()
        store.mark_sent([event.event_id], NOW)
        assert store.pending_events() == []
    finally:
        database.close()


def test_failed_write_leaves_neither_record_nor_event(store_path, key):
    database = Database.open(store_path, key)
    try:
        store = RentalStore(database)
        database.connection.execute("CREATE TRIGGER reject_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox full'); END")
        with pytest.raises(sqlcipher3.DatabaseError, match="outbox full"):
            store.record_verification("v2", "s2", "BJ", None, None, VerificationResult(()), NOW)
        count = database.connection.execute("SELECT count(*) FROM verifications WHERE verification_id = 'v2'").fetchone()[0]
        assert count == 0
    finally:
        database.close()


def test_key_file_is_private(tmp_path, key):
    path = tmp_path / "keys" / "store.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_key_file(path) == key


def test_key_file_readable_by_others_is_refused(tmp_path, key):
    path = tmp_path / "keys" / "store.key"
    os.chmod(path, 0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        load_key_file(path)


def test_existing_key_is_never_overwritten(tmp_path, key):
    with pytest.raises(StoreError, match="refusing"):
        create_key_file(tmp_path / "keys" / "store.key")


def test_store_refuses_a_second_thread(store_path, key):
    import threading

    database = Database.open(store_path, key)
    store = RentalStore(database)
    store.pending_events()
    errors = []

    def use_store() -> None:
        try:
            store.pending_events()
        except RuntimeError as error:
            errors.append(error)

    worker = threading.Thread(target=use_store)
    worker.start()
    worker.join()
    database.close()
    assert errors


def test_empty_store_file_is_refused_not_replaced(tmp_path, key):
    path = tmp_path / "store.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="empty"):
        Database.open(path, key)
    assert path.read_bytes() == b""


def test_new_store_is_private(tmp_path, key):
    path = tmp_path / "private.db"
    Database.open(path, key, create=True).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_contract_numbers_are_unique_across_connections(store_path, key):
    import threading
    from datetime import date

    numbers: list[str] = []
    lock = threading.Lock()

    def reserve_many() -> None:
        database = Database.open(store_path, key)
        store = RentalStore(database)
        try:
            for _ in range(20):
                number = store.reserve_contract_number("BJ", date(2026, 12, 5))
                with lock:
                    numbers.append(number)
        finally:
            database.close()

    workers = [threading.Thread(target=reserve_many) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(numbers) == 60
    assert len(set(numbers)) == 60
    assert max(numbers) == "BJ-20261205-0060"


def test_reservation_is_picked_up_only_once(store_path, key):
    from dataclasses import replace

    from kiosk.contracts.drafting import draft_contract
    from kiosk.errors import ReservationTaken

    sources = fx.sources()
    database = Database.open(store_path, key)
    store = RentalStore(database)
    try:
        store.put_vehicle(sources.reservation.vehicle)
        store.put_price_list(fx.price_list())
        store.put_reservation(sources.reservation)
        draft = draft_contract(fx.template(), sources)

        def save(number: str):
            numbered = replace(draft, contract_number=number)
            return store.save_signed_contract("BJ", "v1", sources.identity, sources.reservation, numbered, [], {}, b"%PDF", "seal", NOW)

        save("BJ-20261205-0001")
        with pytest.raises(ReservationTaken):
            save("BJ-20261205-0002")
        assert store.contract("BJ-20261205-0002") is None
        assert [e.event_type for e in store.pending_events()].count("contract.signed") == 1
    finally:
        database.close()


def test_face_templates_round_trip_without_full_numbers(store_path, key, face_model, faces_dir):
    from kiosk.identity.face import FaceMatcher
    from kiosk.identity.images import decode_image

    descriptor = FaceMatcher(face_model).describe_single(decode_image((faces_dir / "obama2.jpg").read_bytes())).vector
    database = Database.open(store_path, key)
    try:
        store = RentalStore(database)
        store.save_face_template(fx.sources().identity, descriptor, "v1", NOW)
        known = store.face_templates()
        assert known.templates.shape == (1, 128)
        assert known.templates.dtype == np.float32
        assert np.allclose(known.templates[0], descriptor, atol=1e-6)
        assert known.masked_numbers == ["110105********0013"]
        assert known.owner_ids == [store.document_index("110105196108040013")]
    finally:
        database.close()


def test_template_for_unknown_customer_is_refused(store_path, key):
    from dataclasses import replace

    database = Database.open(store_path, key)
    try:
        stranger = replace(fx.sources().identity, number="11010519491231002X")
        with pytest.raises(KeyError, match="no customer 110"):
            RentalStore(database).save_face_template(stranger, np.zeros(128), "v1", NOW)
    finally:
        database.close()


def test_face_coverage_counts_each_status(store_path, key):
    from kiosk.checks import Check, Outcome
    from kiosk.messages import Message

    face = {
        "passed": Check("face_match", Outcome.PASS, Message("", "")),
        "failed": Check("face_match", Outcome.FAIL, Message("", "")),
    }
    database = Database.open(store_path, key)
    try:
        store = RentalStore(database)
        store.record_verification("v2", "s", "BJ", None, None, VerificationResult((face["passed"],)), NOW)
        store.record_verification("v3", "s", "BJ", None, None, VerificationResult((face["failed"],)), NOW)
        store.record_verification("v4", "s", "BJ", None, None, VerificationResult(()), NOW)
        store.waive_face_verification("v4", "camera broken; clerk compared the card photo", "clerk-7", NOW)
        coverage = store.face_coverage()
        assert coverage.to_json() == {
            "transactions": 4,
            "face_verified": 2,
            "rate": 0.5,
            "by_status": {"passed": 1, "failed": 1, "not_run": 1, "waived": 1},
        }
        assert store.pending_events()[-1].event_type == "verification.face_waived"
        with pytest.raises(ValueError, match="reason"):
            store.waive_face_verification("v2", " ", "clerk-7", NOW)
    finally:
        database.close()
