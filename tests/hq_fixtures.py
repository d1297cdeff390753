"""A real HQ for tests: its CA and certificates, ``countersign hq serve`` as a process on 127.0.0.1, and a branch linked to it.

Import the helpers; the fixtures at the end are collected through ``tests/conftest.py``.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hq.pki import IssuedPair, create_ca, issue_kiosk, issue_server

KIOSK_ID = "kiosk-01"
BRANCH_ID = "BJ-CY01"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class HqPki:
    ca: IssuedPair
    server: IssuedPair
    kiosk: IssuedPair


def make_pki(folder: Path, branch_id: str = BRANCH_ID, kiosk_id: str = KIOSK_ID) -> HqPki:
    ca = create_ca(folder / "ca")
    return HqPki(ca, issue_server(ca, folder / "server", ["127.0.0.1", "localhost"]), issue_kiosk(ca, folder / "kiosks", branch_id, kiosk_id))


def write_hq_config(folder: Path, pki: HqPki, database_url: str, port: int, extra: str = "") -> Path:
    config = folder / "hq.toml"
    config.write_text(
        "[hq]\n"
        f'database_url = "{database_url}"\n'
        f'certificate = "{pki.server.certificate}"\n'
        f'private_key = "{pki.server.private_key}"\n'
        f'client_ca = "{pki.ca.certificate}"\n'
        f"port = {port}\n" + extra,
        encoding="utf-8",
    )
    return config


class HqProcess:
    """``countersign hq serve`` in a child process; :meth:`kill` and :meth:`start` may repeat."""

    def __init__(self, config: Path, port: int, log_path: Path) -> None:
        self.config = config
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "HqProcess":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "countersign", "-v", "hq", "serve", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hq serve exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"hq serve did not listen on {self.port} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would end it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def link_branch(home: Path, pki: HqPki, url: str, extra: str = "") -> None:
    """Add ``[hq]`` to a branch's ``branch.toml`` so that it syncs with ``url``."""
    with (home / "branch.toml").open("a", encoding="utf-8") as config:
        config.write(
            "\n[hq]\n"
            f'url = "{url}"\n'
            f'ca = "{pki.ca.certificate}"\n'
            f'certificate = "{pki.kiosk.certificate}"\n'
            f'private_key = "{pki.kiosk.private_key}"\n'
            f'kiosk_id = "{KIOSK_ID}"\n' + extra
        )


@pytest.fixture
def hq_pki(tmp_path) -> HqPki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def hq_sqlite(tmp_path, hq_pki):
    """HQ on SQLite, served over mutual TLS on a free loopback port."""
    port = free_port()
    config = write_hq_config(tmp_path, hq_pki, f"sqlite:///{tmp_path / 'hq.db'}", port)
    server = HqProcess(config, port, tmp_path / "hq.log").start()
    yield server
    server.stop()
