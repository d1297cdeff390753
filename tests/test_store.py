"""The SQLCipher store: encryption at rest, keys, migrations and atomic writes."""

import hashlib
import os
import sqlite3
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

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
    assert "wrong key" in str(caught.value)
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
        assert event.payload["consent"] == {"version": "consent-x", "accepted_at": NOW.isoformat()}
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
