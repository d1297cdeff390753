"""Damaged, foreign and old stores at start-up: found, moved aside, never replaced, and shown to the customer."""

import hashlib
import json
import logging
import os
import stat
import sqlite3

import pytest
import sqlcipher3

from countersign.config import load_config
from countersign.runtime import BranchRuntime
from kiosk.errors import StoreCorrupt, StoreNotEncrypted, StoreOldFormat, WrongStoreKey
from kiosk.store.database import Database
from kiosk.store.integrity import pragma_key
from kiosk.store.keys import create_key_file
from kiosk.store.migrations import MIGRATIONS
from kiosk.store.quarantine import QUARANTINE_FOLDER, open_at_start, quarantine_store, rebuild_reference_store
from kiosk.store.rentals import RentalStore
from kiosk.ui.app import build_window
from kiosk.ui.qt import QLabel
from resources import DEMO_DIR

PAGE_SIZE = 4096  # SQLCipher 4's default page size
VEHICLES = 3000  # enough rows that the middle of the file is table data, past the schema's pages


@pytest.fixture
def key(tmp_path) -> bytes:
    return create_key_file(tmp_path / "keys" / "store.key")


@pytest.fixture
def store_path(tmp_path, key):
    """A sound store of a few dozen pages, closed, with no -wal or -shm beside it."""
    path = tmp_path / "store" / "countersign.db"
    database = Database.open(path, key, create=True)
    with database.transaction() as connection:
        connection.executemany(
            "INSERT INTO vehicles VALUES (?, ?, ?, ?, ?, ?)",
            [(f"V-{n:04d}", f"京A·T{n:04d}", "丰田卡罗拉", "Toyota Corolla", "C1", "compact") for n in range(VEHICLES)],
        )
    last_root_page = database.connection.execute("SELECT max(rootpage) FROM sqlite_master").fetchone()[0]
    database.close()
    # The flipped page must hold table data: a damaged schema page fails before the checks run.
    assert len(path.read_bytes()) // PAGE_SIZE // 2 > last_root_page + 8
    assert sorted(os.listdir(path.parent)) == [path.name]
    return path


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flip_bit_in_middle_page(path) -> int:
    """Flip one bit inside the page in the middle of the file and return that page's number (1-based)."""
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE_SIZE
    assert pages >= 8, f"the test store has only {pages} pages"
    page_index = pages // 2
    data[page_index * PAGE_SIZE + PAGE_SIZE // 2] ^= 0x10
    path.write_bytes(bytes(data))
    return page_index + 1


def _quarantined(path):
    folder = path.parent / QUARANTINE_FOLDER
    return sorted(folder.glob(f"{path.name}.*/*")) if folder.exists() else []


def test_sound_store_opens_at_start(store_path, key):
    database = open_at_start(store_path, key)
    try:
        assert database.connection.execute("SELECT count(*) FROM vehicles").fetchone() == (VEHICLES,)
    finally:
        database.close()
    assert _quarantined(store_path) == []


def test_flipped_bit_is_found_and_quarantined(store_path, key, caplog):
    page = flip_bit_in_middle_page(store_path)
    damaged = _digest(store_path)

    with caplog.at_level(logging.ERROR), pytest.raises(StoreCorrupt) as caught:
        open_at_start(store_path, key)

    assert f"HMAC verification failed for page {page}" in str(caught.value)
    assert "需要维修" in caught.value.message.zh
    assert "service is needed" in caught.value.message.en
    assert not store_path.exists()
    moved = _quarantined(store_path)
    assert [file.name for file in moved] == [store_path.name]
    assert _digest(moved[0]) == damaged
    assert str(moved[0].parent) in str(caught.value)
    assert any("moved into quarantine" in record.getMessage() for record in caplog.records)


def test_damaged_first_page_is_quarantined(store_path, key):
    data = bytearray(store_path.read_bytes())
    data[2000] ^= 0x80
    store_path.write_bytes(bytes(data))

    with pytest.raises(StoreCorrupt) as caught:
        open_at_start(store_path, key)

    assert "first page" in str(caught.value)
    assert not store_path.exists()
    assert len(_quarantined(store_path)) == 1


def test_count_still_answers_on_the_damaged_store(store_path, key):
    """A query still returns on the store that the integrity checks reject."""
    flip_bit_in_middle_page(store_path)
    connection = sqlcipher3.connect(str(store_path))
    try:
        connection.execute(f"PRAGMA key = \"{pragma_key(key)}\"")
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        connection.close()
    with pytest.raises(StoreCorrupt):
        open_at_start(store_path, key)


@pytest.mark.parametrize("cut", ["page_boundary", "mid_page"])
def test_truncated_store_is_found_and_quarantined(store_path, key, cut):
    data = store_path.read_bytes()
    half = (len(data) // PAGE_SIZE // 2) * PAGE_SIZE
    kept = half if cut == "page_boundary" else half + 1000
    store_path.write_bytes(data[:kept])

    with pytest.raises(StoreCorrupt):
        open_at_start(store_path, key)

    moved = _quarantined(store_path)
    assert [file.name for file in moved] == [store_path.name]
    assert moved[0].stat().st_size == kept
    assert not store_path.exists()


def test_write_ahead_log_is_quarantined_with_the_store(store_path, key):
    (store_path.parent / f"{store_path.name}-wal").write_bytes(b"log")
    (store_path.parent / f"{store_path.name}-shm").write_bytes(b"index")

    folder = quarantine_store(store_path)

    assert sorted(file.name for file in folder.iterdir()) == sorted(
        [store_path.name, f"{store_path.name}-shm", f"{store_path.name}-wal"]
    )
    assert os.listdir(store_path.parent) == [QUARANTINE_FOLDER]
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_wrong_key_changes_nothing(store_path):
    before = _digest(store_path)
    files_before = sorted(os.listdir(store_path.parent))

    with pytest.raises(WrongStoreKey) as caught:
        open_at_start(store_path, b"\x01" * 32)

    assert "the key is wrong" in str(caught.value)
    assert _digest(store_path) == before
    assert sorted(os.listdir(store_path.parent)) == files_before


def test_plain_sqlite_store_is_rejected_unchanged(tmp_path, key):
    path = tmp_path / "plain.db"
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE vehicles (vehicle_id TEXT)")
    plain.commit()
    plain.close()
    before = _digest(path)

    with pytest.raises(StoreNotEncrypted, match="plain SQLite"):
        open_at_start(path, key)

    assert _digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["keys", "plain.db"]


def make_sqlcipher3_store(path, key_text: str) -> None:
    """Write a real SQLCipher 3 file (SQLCipher 3's page size, KDF and HMAC) at schema version 1, with rows."""
    first = MIGRATIONS[0]
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    try:
        connection.execute(f"PRAGMA key = \"{key_text}\"")
        connection.execute("PRAGMA cipher_compatibility = 3")
        connection.execute("BEGIN")
        for statement in first.statements:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {first.version}")
        connection.executemany(
            "INSERT INTO vehicles VALUES (?, ?, ?, ?, ?, ?)",
            [(f"V-{n}", f"京A·{n:05d}", "丰田卡罗拉", "Toyota Corolla", "C1", "compact") for n in range(300)],
        )
        connection.execute("INSERT INTO price_lists VALUES ('2026-12', '{}')")
        connection.execute("COMMIT")
    finally:
        connection.close()


def test_sqlcipher3_store_names_the_migration_command(tmp_path, key):
    path = tmp_path / "old.db"
    make_sqlcipher3_store(path, pragma_key(key))
    before = _digest(path)

    with pytest.raises(StoreOldFormat) as caught:
        open_at_start(path, key)

    assert "countersign store migrate" in str(caught.value)
    assert _digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["keys", "old.db"]


def test_reference_data_rebuilt_from_bundle(store_path, key):
    flip_bit_in_middle_page(store_path)
    with pytest.raises(StoreCorrupt):
        open_at_start(store_path, key)
    bundle = json.loads((DEMO_DIR / "demo-branch.json").read_text(encoding="utf-8"))

    rebuild_reference_store(store_path, key, bundle).close()

    database = open_at_start(store_path, key)
    try:
        store = RentalStore(database)
        plates = [row[0] for row in database.connection.execute("SELECT plate FROM vehicles ORDER BY vehicle_id")]
        assert plates == [vehicle["plate"] for vehicle in bundle["vehicles"]]
        assert store.price_list(bundle["price_list"]["version"]).version == bundle["price_list"]["version"]
    finally:
        database.close()
    assert len(_quarantined(store_path)) == 1


def test_rebuild_never_overwrites_a_store(store_path, key):
    before = _digest(store_path)
    bundle = json.loads((DEMO_DIR / "demo-branch.json").read_text(encoding="utf-8"))
    with pytest.raises(Exception, match="already exists"):
        rebuild_reference_store(store_path, key, bundle)
    assert _digest(store_path) == before


def test_runtime_start_quarantines_a_damaged_store(branch_home):
    config = load_config(branch_home)
    flip_bit_in_middle_page(config.store_path)
    with pytest.raises(StoreCorrupt):
        BranchRuntime(config).start()
    assert not config.store_path.exists()
    assert len(_quarantined(config.store_path)) == 1


@pytest.mark.gui
def test_kiosk_shows_service_needed_for_a_damaged_store(qtbot, branch_home, face_model):
    config = load_config(branch_home)
    flip_bit_in_middle_page(config.store_path)
    window = build_window(BranchRuntime(config, face_model=face_model), windowed=True, prepare_session=None)
    qtbot.addWidget(window)
    window.show()
    try:
        window.start_runtime()
        qtbot.waitUntil(lambda: window.findChild(QLabel, "serviceNeeded") is not None, timeout=30_000)
        notice = window.findChild(QLabel, "serviceNeeded")
        assert notice.isVisible()
        assert "暂停服务" in notice.text()
        assert "Service needed" in notice.text()
        assert "需要维修" in notice.text()
        assert not window.stack.isVisible()
        assert window.isVisible()
    finally:
        window.shutdown()
    assert len(_quarantined(config.store_path)) == 1
    assert config.store_key.load().store
