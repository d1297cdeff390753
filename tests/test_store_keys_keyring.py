"""Store keys in a real Secret Service: a private D-Bus session bus with gnome-keyring-daemon."""

import os
import shutil
import subprocess
import time

import pytest
from keyring.backends import SecretService

from kiosk.store.key_sources import StoreKeyError
from kiosk.store.key_sources.os_keyring import KeyringSource
from kiosk.store.key_sources.rotation import open_keyed_store, rotate_store_key

pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None or shutil.which("gnome-keyring-daemon") is None,
    reason="needs the Debian packages dbus and gnome-keyring (tools/setup-debian.sh)",
)


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory):
    """Start a session bus and an unlocked keyring in a private home; yields the backend."""
    home = tmp_path_factory.mktemp("keyring-home")
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    environment = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "XDG_DATA_HOME": str(home / "data")}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--address", f"unix:path={runtime}/bus"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment,
    )
    address = bus.stdout.readline().decode().strip()
    environment["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_daemon = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=b"test keyring password", capture_output=True, env=environment, timeout=30,
    )
    assert keyring_daemon.returncode == 0, keyring_daemon.stderr
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    time.sleep(0.2)
    try:
        yield SecretService.Keyring()
    finally:
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved
        for line in keyring_daemon.stdout.decode().splitlines():
            if line.startswith("GNOME_KEYRING_PID="):
                os.kill(int(line.split("=", 1)[1]), 15)
        bus.terminate()
        bus.wait(timeout=10)


def test_keys_round_trip_in_secret_service(secret_service):
    source = KeyringSource("CounterSign-test", "round-trip", backend=secret_service)
    created = source.create()
    assert KeyringSource("CounterSign-test", "round-trip", backend=secret_service).load() == created
    assert secret_service.get_password("CounterSign-test", "round-trip/store") == created.store.hex()


def test_rotation_with_secret_service(secret_service, tmp_path):
    source = KeyringSource("CounterSign-test", "rotation", backend=secret_service)
    path = tmp_path / "store.db"
    old = source.create()
    open_keyed_store(path, source, create=True).database.close()

    rotate_store_key(path, source)
    assert source.load().store != old.store
    assert secret_service.get_password("CounterSign-test", "rotation/store.pending") is None


def test_plain_text_backend_is_rejected():
    from keyring.backends import fail

    source = KeyringSource("CounterSign-test", "fail", backend=fail.Keyring())
    with pytest.raises(StoreKeyError, match="not an OS keystore"):
        source.load()
