"""``countersign store check`` and ``store migrate``, run as processes on store files made here.

Every check asserts that the store's folder contains the same files, byte for byte,
before and after: the tool reads and never writes.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlcipher3

from countersign import cli
from kiosk.store.database import Database
from kiosk.store.integrity import pragma_key
from kiosk.store.keys import create_key_file
from tests.test_store_integrity import PAGE_SIZE, make_sqlcipher3_store

COUNTERSIGN = [sys.executable, "-m", "countersign"]
PASSPHRASE = "correct horse battery staple 骏马"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    return subprocess.run(
        [*COUNTERSIGN, "--home", str(home), *args], capture_output=True, text=True, timeout=120, env={**os.environ}
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {entry.name: hashlib.sha256(entry.read_bytes()).hexdigest() for entry in sorted(folder.iterdir())}


@pytest.fixture
def key_file(tmp_path) -> Path:
    """The kiosk's own key file: 32 random bytes as bare hex."""
    path = tmp_path / "keys" / "store.key"
    create_key_file(path)
    return path


@pytest.fixture
def store(tmp_path, key_file) -> Path:
    from kiosk.store.keys import load_key_file

    path = tmp_path / "store" / "countersign.db"
    database = Database.open(path, load_key_file(key_file), create=True)
    with database.transaction() as connection:
        connection.executemany(
            "INSERT INTO vehicles VALUES (?, ?, ?, ?, ?, ?)",
            [(f"V-{n:04d}", f"京A·T{n:04d}", "丰田卡罗拉", "Toyota Corolla", "C1", "compact") for n in range(3000)],
        )
    database.close()
    return path


def check(tmp_path, store: Path, *extra: str) -> tuple[int, dict]:
    before = snapshot(store.parent)
    result = run(tmp_path, "store", "check", str(store), *extra, "--json")
    assert snapshot(store.parent) == before, "store check changed or created a file beside the store"
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_sound_store_is_ok(tmp_path, store, key_file):
    status, payload = check(tmp_path, store, "--key-file", str(key_file))
    assert payload["status"] == "ok", payload
    assert status == 0
    assert isinstance(payload["detail"], str)


def test_raw_key_in_pragma_form_is_ok(tmp_path, store, key_file):
    pragma_file = tmp_path / "pragma.key"
    pragma_file.write_text(f"x'{key_file.read_text().strip()}'\n")
    status, payload = check(tmp_path, store, "--key-file", str(pragma_file))
    assert payload["status"] == "ok", payload
    assert status == 0


def test_passphrase_key_is_ok(tmp_path):
    path = tmp_path / "store" / "passphrase.db"
    path.parent.mkdir()
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute("PRAGMA key = '{}'".format(PASSPHRASE))
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.execute("INSERT INTO notes VALUES ('hello')")
    connection.close()
    key_file = tmp_path / "passphrase.key"
    key_file.write_text(PASSPHRASE + "\n", encoding="utf-8")

    status, payload = check(tmp_path, path, "--key-file", str(key_file))
    assert payload["status"] == "ok", payload
    assert status == 0


def test_wrong_key_is_key_mismatch(tmp_path, store):
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32)
    status, payload = check(tmp_path, store, "--key-file", str(wrong))
    assert payload["status"] == "key_mismatch"
    assert status == 1


def test_no_key_is_key_mismatch(tmp_path, store):
    status, payload = check(tmp_path, store)
    assert payload["status"] == "key_mismatch"
    assert "--key-file" in payload["detail"]
    assert status == 1


def test_flipped_bit_is_corrupt(tmp_path, store, key_file):
    data = bytearray(store.read_bytes())
    page = len(data) // PAGE_SIZE // 2
    data[page * PAGE_SIZE + 300] ^= 0x01
    store.write_bytes(bytes(data))
    status, payload = check(tmp_path, store, "--key-file", str(key_file))
    assert payload["status"] == "corrupt"
    assert f"page {page + 1}" in payload["detail"]
    assert status == 1


def test_damaged_first_page_is_corrupt(tmp_path, store, key_file):
    """Past the salt, page 1 damage is told from a wrong key by page 2's HMAC."""
    data = bytearray(store.read_bytes())
    data[1000] ^= 0x01
    store.write_bytes(bytes(data))

    status, payload = check(tmp_path, store, "--key-file", str(key_file))

    assert payload["status"] == "corrupt"
    assert "first page" in payload["detail"]
    assert status == 1


def test_damaged_salt_reads_as_key_mismatch(tmp_path, store, key_file):
    data = bytearray(store.read_bytes())
    data[3] ^= 0x01
    store.write_bytes(bytes(data))

    status, payload = check(tmp_path, store, "--key-file", str(key_file))

    assert payload["status"] == "key_mismatch"
    assert "salt" in payload["detail"]


def test_truncated_file_is_corrupt(tmp_path, store, key_file):
    data = store.read_bytes()
    store.write_bytes(data[: (len(data) // PAGE_SIZE // 2) * PAGE_SIZE])
    status, payload = check(tmp_path, store, "--key-file", str(key_file))
    assert payload["status"] == "corrupt"
    assert status == 1


def test_plain_sqlite_is_not_encrypted(tmp_path, key_file):
    path = tmp_path / "store" / "plain.db"
    path.parent.mkdir()
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE vehicles (vehicle_id TEXT)")
    plain.commit()
    plain.close()
    status, payload = check(tmp_path, path, "--key-file", str(key_file))
    assert payload["status"] == "not_encrypted"
    assert status == 1


def test_sqlcipher3_file_is_old_format(tmp_path, key_file):
    path = tmp_path / "store" / "old.db"
    path.parent.mkdir()
    make_sqlcipher3_store(path, f"x'{key_file.read_text().strip()}'")
    status, payload = check(tmp_path, path, "--key-file", str(key_file))
    assert payload["status"] == "old_format"
    assert "countersign store migrate" in payload["detail"]
    assert status == 1


def test_write_ahead_log_is_read_and_left_alone(tmp_path, store, key_file):
    """A store with a live -wal (as a crashed kiosk leaves it) is checked with the log, and both stay as they were."""
    from kiosk.store.keys import load_key_file

    holder = sqlcipher3.connect(str(store), isolation_level=None)
    holder.execute(f"PRAGMA key = \"{pragma_key(load_key_file(key_file))}\"")
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("INSERT INTO price_lists VALUES ('2027-01', '{}')")
    try:
        assert Path(f"{store}-wal").stat().st_size > 0
        status, payload = check(tmp_path, store, "--key-file", str(key_file))
        assert payload["status"] == "ok", payload
        assert status == 0
    finally:
        holder.close()


def test_missing_path_is_a_usage_error(tmp_path, key_file):
    result = run(tmp_path, "store", "check", str(tmp_path / "absent.db"), "--key-file", str(key_file))
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read the store file")
    assert "错误：" in result.stderr
    assert not (tmp_path / "absent.db").exists()


def test_migrate_converts_sqlcipher3_store(tmp_path, key_file):
    from kiosk.store.keys import load_key_file

    path = tmp_path / "store" / "old.db"
    path.parent.mkdir()
    make_sqlcipher3_store(path, f"x'{key_file.read_text().strip()}'")

    result = run(tmp_path, "store", "migrate", str(path), "--key-file", str(key_file), "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout)
    assert payload["migrated"] is True
    assert payload["row_counts"]["vehicles"] == 300
    assert payload["row_counts"]["price_lists"] == 1
    assert payload["row_counts"]["contracts"] == 0
    assert os.listdir(path.parent) == ["old.db"], "the backup should be deleted after a checked migration"
    status, checked = check(tmp_path, path, "--key-file", str(key_file))
    assert checked["status"] == "ok", checked
    database = Database.open(path, load_key_file(key_file))
    try:
        assert database.connection.execute("SELECT plate FROM vehicles WHERE vehicle_id = 'V-7'").fetchone() == ("京A·00007",)
    finally:
        database.close()


def test_migrate_with_wrong_key_fails_unchanged(tmp_path, key_file):
    path = tmp_path / "store" / "old.db"
    path.parent.mkdir()
    make_sqlcipher3_store(path, f"x'{key_file.read_text().strip()}'")
    before = snapshot(path.parent)
    wrong = tmp_path / "wrong.key"
    wrong.write_text("cd" * 32)

    result = run(tmp_path, "store", "migrate", str(path), "--key-file", str(wrong))

    assert result.returncode == 1
    assert result.stderr.startswith("error: the key opens")
    assert snapshot(path.parent) == before


def test_migrate_of_sqlcipher4_store_changes_nothing(tmp_path, store, key_file):
    before = snapshot(store.parent)
    result = run(tmp_path, "store", "migrate", str(store), "--key-file", str(key_file), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["migrated"] is False
    assert snapshot(store.parent) == before


def test_branch_key_source_is_default_key(branch_home, capsys):
    store = branch_home / "store" / "countersign.db"
    before = store.read_bytes()

    status = cli.main(["--home", str(branch_home), "--json", "store", "check", str(store)])

    assert status == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
    assert store.read_bytes() == before


def test_text_verdict_is_bilingual(branch_home, capsys):
    store = branch_home / "store" / "countersign.db"

    status = cli.main(["--home", str(branch_home), "store", "check", str(store)])

    assert status == 0
    assert "存储完好，密钥正确。 / The store is intact and the key is right." in capsys.readouterr().out
