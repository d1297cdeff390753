"""A pair of connected pseudo-terminals made by ``socat``, for simulated serial devices.

A simulator opens one end and the real driver opens the other with pyserial, so the
driver's framing, timeouts and retries run exactly as on a USB-serial reader.
"""

import logging
import shutil
import subprocess
import time
from pathlib import Path

from devices.errors import DeviceError

log = logging.getLogger(__name__)


class PtyPair:
    """Starts ``socat`` with two raw pty ends linked at ``device_path`` and ``simulator_path``."""

    def __init__(self, folder: Path, name: str = "reader") -> None:
        self.device_path = folder / f"{name}.tty"
        self.simulator_path = folder / f"{name}-sim.tty"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 5.0) -> "PtyPair":
        """Start socat and wait until both links exist; raises :class:`DeviceError` otherwise."""
        socat = shutil.which("socat")
        if socat is None:
            raise DeviceError("socat is not installed; install the Debian package socat")

        for path in (self.device_path, self.simulator_path):
            path.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [
                socat,
                f"pty,raw,echo=0,link={self.device_path}",
                f"pty,raw,echo=0,link={self.simulator_path}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        deadline = time.monotonic() + timeout
        while not (self.device_path.exists() and self.simulator_path.exists()):
            if self._process.poll() is not None:
                message = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise DeviceError(f"socat exited with {self._process.returncode}: {message.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise DeviceError(f"socat did not create {self.device_path} within {timeout} s")
            time.sleep(0.01)
        log.info("pty pair ready: %s <-> %s", self.device_path, self.simulator_path)
        return self

    def stop(self) -> None:
        """Stop socat; both links disappear with it."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def __enter__(self) -> "PtyPair":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
