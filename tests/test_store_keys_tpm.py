"""Store keys sealed to a software TPM 2.0 (swtpm) through tpm2-tools, and rotation with them."""

import shutil
import socket
import subprocess
import time

import pytest

from kiosk.errors import WrongStoreKey
from kiosk.store.database import Database
from kiosk.store.key_sources import StoreKeyError
from kiosk.store.key_sources.rotation import open_keyed_store, rotate_store_key
from kiosk.store.key_sources.tpm import TpmSource

pytestmark = pytest.mark.skipif(
    shutil.which("swtpm") is None or shutil.which("tpm2_unseal") is None,
    reason="needs the Debian packages swtpm and tpm2-tools (tools/setup-debian.sh)",
)


def free_port_pair() -> int:
    """Return a loopback port P such that P and P+1 were both free a moment ago."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535:
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two adjacent free loopback ports")


@pytest.fixture(scope="module")
def tcti(tmp_path_factory):
    state = tmp_path_factory.mktemp("swtpm-state")
    port = free_port_pair()
    process = subprocess.Popen(
        [
            "swtpm", "socket", "--tpm2",
            "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
            "--ctrl", f"type=tcp,port={port + 1},bindaddr=127.0.0.1",
            "--tpmstate", f"dir={state}",
            "--flags", "not-need-init,startup-clear",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"swtpm did not start: {process.stderr.read().decode(errors='replace')}")
            time.sleep(0.05)
    yield f"swtpm:host=127.0.0.1,port={port}"
    process.terminate()
    process.wait(timeout=10)


def test_sealed_keys_round_trip(tcti, tmp_path):
    source = TpmSource(tmp_path / "tpm", tcti)
    created = source.create()
    assert TpmSource(tmp_path / "tpm", tcti).load() == created
    for blob in (tmp_path / "tpm").iterdir():
        assert created.store not in blob.read_bytes()
        assert created.store.hex().encode() not in blob.read_bytes()


def test_altered_blob_does_not_unseal(tcti, tmp_path):
    source = TpmSource(tmp_path / "tpm", tcti)
    source.create()
    blob = tmp_path / "tpm" / "store.sealed.json"
    blob.write_text(blob.read_text().replace('"private": "', '"private": "AAAA'))
    with pytest.raises(StoreKeyError, match="tpm2_load failed"):
        source.load()


def test_rotation_with_sealed_keys(tcti, tmp_path):
    source = TpmSource(tmp_path / "tpm", tcti)
    path = tmp_path / "store.db"
    old = source.create()
    open_keyed_store(path, source, create=True).database.close()

    rotate_store_key(path, source)
    new = source.load()
    assert new.store != old.store
    assert source.pending() is None
    Database.open(path, new.store).close()
    with pytest.raises(WrongStoreKey):
        Database.open(path, old.store)


def test_unreachable_tpm_is_a_clear_error(tmp_path):
    port = free_port_pair()
    source = TpmSource(tmp_path / "tpm", f"swtpm:host=127.0.0.1,port={port}")
    with pytest.raises(StoreKeyError, match="tpm2_createprimary failed"):
        source.create()
