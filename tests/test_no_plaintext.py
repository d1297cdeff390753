"""No customer data in plain text after a full rental, outside the encrypted store.

Each test runs one complete demo rental with ``TMPDIR``, ``HOME`` and the XDG folders
pointed at private folders. It then reads every file under the branch folder (logs
included), the temp folder and the home folder, where Qt and fontconfig keep their
caches, and searches the bytes for:

- the customer's ID number in ASCII (which is also its UTF-8) and UTF-16LE;
- the customer's name in UTF-8 and UTF-16LE;
- the card photo file, whole, and eight 256-byte pieces spread over it, which a copy
  of part of the photo would contain;
- the store key, the biometric key and the document index key, as hex and as raw bytes;
- in every PDF, the ID number and the name in the text that pypdf extracts, since a
  PDF's text is compressed and encoded as glyph numbers, so a byte search misses it.

Only these files are not searched:

- ``store/countersign.db``, the SQLCipher store itself. Its ``-wal`` and ``-shm``
  files are searched: SQLCipher encrypts WAL pages too.
- ``cards/demo-customer.json`` and ``cards/demo-customer.png``: the simulated card that
  the GA 467 simulator serves. They stand for the physical card, are written at
  provisioning and are never written by a rental.
- ``keys/store.key`` for the store key only, since it is that key's file.

The log folder must be 0700 with 0600 files, including a rotated file.
"""

import json
import logging
import logging.handlers
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from countersign.config import load_config
from countersign.demo_branch import demo_data
from countersign.logs import configure_logging
from countersign.runtime import BranchRuntime
from kiosk.session import Stage
from kiosk.store.database import Database
from kiosk.store.key_sources.rotation import load_branch_keys
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.window import KioskWindow
from tests.test_kiosk_ui import STEP_TIMEOUT_MS, click, draw_signature, read_to_end, tick, wait_idle_on, walk_to_face

DEMO_ID_NUMBER = "110105196108040013"

STORE_FILE = Path("store") / "countersign.db"
SIMULATED_CARD_FILES = (Path("cards") / "demo-customer.json", Path("cards") / "demo-customer.png")
STORE_KEY_FILE = Path("keys") / "store.key"

PHOTO_PIECES = 8
PHOTO_PIECE_BYTES = 256

RUN_CLI = "import sys; from countersign import cli; sys.exit(cli.main(sys.argv[1:]))"


@dataclass(frozen=True)
class Needle:
    """A byte string that must not appear, and what it is, for the failure message."""

    label: str
    data: bytes


@dataclass(frozen=True)
class Places:
    """The folders a rental may write to, all private to one test."""

    branch: Path
    temp: Path
    home: Path
    cache: Path

    def environment(self) -> dict[str, str]:
        return {
            "COUNTERSIGN_HOME": str(self.branch),
            "TMPDIR": str(self.temp),
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.cache),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_STATE_HOME": str(self.home / ".local" / "state"),
        }


@pytest.fixture
def places(provisioned_branch, tmp_path, monkeypatch) -> Places:
    """A copy of the demo branch and private temp, home and cache folders, set in this process's environment."""
    branch = tmp_path / "branch"
    shutil.copytree(provisioned_branch, branch)
    found = Places(branch=branch, temp=tmp_path / "tmp", home=tmp_path / "home", cache=tmp_path / "home" / ".cache")
    for folder in (found.temp, found.home, found.cache):
        folder.mkdir(mode=0o700, parents=True)
    for name, value in found.environment().items():
        monkeypatch.setenv(name, value)
    # tempfile caches the temp folder it chose first.
    monkeypatch.setattr(tempfile, "tempdir", None)
    return found


@pytest.fixture
def branch_logging(places):
    """Log to the branch's log folder as ``countersign`` does with -v, and remove those handlers afterwards."""
    path = configure_logging(places.branch / "logs", verbose=True)
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_countersign", False):
            root.removeHandler(handler)
            handler.close()


def store_keys(branch: Path) -> tuple[bytes, bytes, bytes]:
    """Return the store key, the biometric key and the document index key kept inside the store."""
    config = load_config(branch)
    keys = load_branch_keys(config.store_path, config.store_key)
    database = Database.open(config.store_path, keys.store)
    try:
        row = database.connection.execute("SELECT value FROM store_meta WHERE name = 'document_index_key'").fetchone()
    finally:
        database.close()
    assert row is not None, "the store holds no document index key after a rental"
    return keys.store, keys.biometric, bytes(row[0])


def customer_needles(branch: Path) -> list[Needle]:
    """Return the customer's ID number, name and card photo in the encodings searched for."""
    name = demo_data()["customer"]["card"]["name"]
    photo = (branch / "cards" / "demo-customer.png").read_bytes()
    pieces = [
        Needle(f"card photo bytes {offset}-{offset + PHOTO_PIECE_BYTES}", photo[offset : offset + PHOTO_PIECE_BYTES])
        for offset in range(0, len(photo) - PHOTO_PIECE_BYTES, len(photo) // PHOTO_PIECES)
    ]
    return [
        Needle("ID number (ASCII/UTF-8)", DEMO_ID_NUMBER.encode("ascii")),
        Needle("ID number (UTF-16LE)", DEMO_ID_NUMBER.encode("utf-16-le")),
        Needle("name (UTF-8)", name.encode("utf-8")),
        Needle("name (UTF-16LE)", name.encode("utf-16-le")),
        Needle("card photo file", photo),
        *pieces,
    ]


def key_needles(branch: Path) -> list[Needle]:
    store_key, biometric_key, index_key = store_keys(branch)
    return [
        Needle("store key (hex)", store_key.hex().encode("ascii")),
        Needle("store key (raw)", store_key),
        Needle("biometric key (hex)", biometric_key.hex().encode("ascii")),
        Needle("biometric key (raw)", biometric_key),
        Needle("document index key (hex)", index_key.hex().encode("ascii")),
        Needle("document index key (raw)", index_key),
    ]


def searched_files(places: Places) -> list[Path]:
    """List every regular file under the searched folders, without the excluded ones."""
    excluded = {places.branch / STORE_FILE, *(places.branch / path for path in SIMULATED_CARD_FILES)}
    files = set()
    for root in (places.branch, places.temp, places.home, places.cache):
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and path not in excluded:
                files.add(path)
    return sorted(files)


def pdf_text(path: Path) -> str | None:
    """Return the text pypdf extracts from every page, or ``None`` when the file is not a readable PDF."""
    try:
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    except (PdfReadError, ValueError):
        return None


def find_plaintext(places: Places) -> list[str]:
    """Return one line per needle found in a searched file.

    The files are read before the store is opened for its index key, because opening
    and closing the store checkpoints its WAL, which would rewrite the ``-wal`` file.
    """
    contents = {path: path.read_bytes() for path in searched_files(places)}
    customer = customer_needles(places.branch)
    keys = key_needles(places.branch)
    name = demo_data()["customer"]["card"]["name"]
    hits = []
    for path, data in contents.items():
        needles = customer if path == places.branch / STORE_KEY_FILE else customer + keys
        for needle in needles:
            if needle.data in data:
                hits.append(f"{needle.label} in {path}")
        if data.startswith(b"%PDF-"):
            text = pdf_text(path) or ""
            for label, value in (("ID number (PDF text)", DEMO_ID_NUMBER), ("name (PDF text)", name)):
                if value in text:
                    hits.append(f"{label} in {path}")
    return hits


def assert_private_rotated_logs(log_dir: Path) -> None:
    """Check the log folder is 0700, every log file 0600, and that a rollover keeps it so."""
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700, f"log folder {log_dir} is {stat.S_IMODE(log_dir.stat().st_mode):o}"
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename).parent == log_dir
    ]
    assert len(handlers) == 1, f"expected one rotating file handler on {log_dir}, found {handlers}"
    handler = handlers[0]
    assert handler.maxBytes > 0, "the log file is never rotated (maxBytes is 0)"
    assert handler.backupCount > 0, "rotation keeps no earlier file (backupCount is 0)"

    handler.doRollover()
    logging.getLogger("countersign.test").info("first line after the rollover")
    handler.flush()
    files = sorted(log_dir.iterdir())
    assert [path.name for path in files] == ["countersign.log", "countersign.log.1"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"log file {path} is {stat.S_IMODE(path.stat().st_mode):o}"


def test_search_finds_planted_plaintext(places):
    photo = (places.branch / "cards" / "demo-customer.png").read_bytes()
    middle = len(photo) // PHOTO_PIECES * (PHOTO_PIECES // 2)
    planted = {
        places.temp / "id-ascii.txt": DEMO_ID_NUMBER.encode("ascii"),
        places.cache / "qt" / "id-utf16.bin": b"x" + DEMO_ID_NUMBER.encode("utf-16-le"),
        places.branch / "store" / "countersign.db-wal": demo_data()["customer"]["card"]["name"].encode("utf-16-le"),
        places.home / "photo-copy.png": photo[middle - 300 : middle + 300],
    }
    for path, data in planted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    hits = find_plaintext(places)

    assert f"ID number (ASCII/UTF-8) in {places.temp / 'id-ascii.txt'}" in hits
    assert f"ID number (UTF-16LE) in {places.cache / 'qt' / 'id-utf16.bin'}" in hits
    assert f"name (UTF-16LE) in {places.branch / 'store' / 'countersign.db-wal'}" in hits
    assert f"card photo bytes {middle}-{middle + PHOTO_PIECE_BYTES} in {places.home / 'photo-copy.png'}" in hits
    assert len(hits) == 4, hits


def test_headless_demo_leaves_no_plaintext(places):
    environment = {**os.environ, **places.environment(), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "-v", "demo", "--json"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    log_file = places.branch / "logs" / "countersign.log"
    assert "stored" in log_file.read_text(encoding="utf-8"), "the rental wrote no store line to the log"
    payload = json.loads(result.stdout)
    assert payload["contract_no"] and payload["contract_pdf"] is None
    assert find_plaintext(places) == []
    assert DEMO_ID_NUMBER not in result.stderr
    assert demo_data()["customer"]["card"]["name"] not in result.stderr

    log_dir = places.branch / "logs"
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    for path in log_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"log file {path} is {stat.S_IMODE(path.stat().st_mode):o}"


@pytest.mark.gui
def test_kiosk_rental_leaves_no_plaintext(qtbot, places, branch_logging, face_model):
    config = load_config(places.branch)
    runtime = BranchRuntime(config, face_model=face_model)
    window: KioskWindow = build_window(runtime, windowed=True, prepare_session=demo_preparation(config))
    qtbot.addWidget(window)
    window.show()
    window.start_runtime()
    try:
        qtbot.waitUntil(window.welcome.start_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        walk_to_face(qtbot, window)
        face = window.screens[Stage.FACE]
        click(qtbot, face.capture_button)
        qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
        click(qtbot, face.continue_button)

        verification = window.screens[Stage.VERIFICATION]
        wait_idle_on(qtbot, window, Stage.VERIFICATION)
        qtbot.waitUntil(verification.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
        click(qtbot, verification.continue_button)

        contract = window.screens[Stage.CONTRACT]
        wait_idle_on(qtbot, window, Stage.CONTRACT)
        qtbot.waitUntil(lambda: bool(contract.clause_boxes), timeout=STEP_TIMEOUT_MS)
        read_to_end(qtbot, contract)
        for clause_id in window.context.session.clauses_to_acknowledge:
            tick(qtbot, contract, clause_id)
        click(qtbot, contract.confirm_button)

        sign = window.screens[Stage.SIGN]
        wait_idle_on(qtbot, window, Stage.SIGN)
        draw_signature(qtbot, sign.canvas)
        click(qtbot, sign.submit_button)
        wait_idle_on(qtbot, window, Stage.DONE)
        assert window.context.session.signed is not None

        # While the kiosk runs, the store's latest pages are in its -wal file: search it now too.
        wal = places.branch / "store" / "countersign.db-wal"
        assert wal.is_file(), "the running store has no WAL file to search"
        assert wal.stat().st_size > 0, "the running store's WAL file is empty"
        assert find_plaintext(places) == []

        click(qtbot, window.screens[Stage.DONE].finish_button)
        wait_idle_on(qtbot, window, Stage.WELCOME)
    finally:
        window.shutdown()

    assert "stored" in branch_logging.read_text(encoding="utf-8"), "the rental wrote no store line to the log"
    assert find_plaintext(places) == []
    assert_private_rotated_logs(places.branch / "logs")
