"""A private pcscd with the vpcd reader driver, for tests and benchmarks.

pcscd 1.9 takes its socket and pid file paths from compile-time constants under
/run/pcscd (the PCSCLITE_CSOCK_NAME environment variable is read by the client library
only). So the daemon runs in its own mount namespace (``unshare``), with a private
folder bind-mounted on /run. Its socket lands in that folder and the system's
/run/pcscd is left alone. Clients reach the daemon by setting PCSCLITE_CSOCK_NAME to
the socket's path outside the namespace. libpcsclite reads that variable once per
process, at the first PC/SC call, so it must be set before then (see
:func:`private_socket_path`).
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER_NAME = "CounterSign test vpcd"
# vpcd opens two slots, on the configured port and the next one; the card goes in the first.
FIRST_SLOT = f"{READER_NAME} 00 00"
SOCKET_VARIABLE = "PCSCLITE_CSOCK_NAME"


class PcscdUnavailable(RuntimeError):
    """pcscd, the vpcd driver or a mount namespace is not available on this machine."""


def private_socket_path() -> Path:
    """Return the socket path in PCSCLITE_CSOCK_NAME, first pointing it at a new private folder.

    Call this before any PC/SC call in the process. An existing value is kept only
    when it points into a folder this module made (a process that already chose).
    """
    current = os.environ.get(SOCKET_VARIABLE)
    if current and Path(current).name == "pcscd.comm" and "countersign-pcscd-" in current:
        return Path(current)
    folder = Path(tempfile.mkdtemp(prefix="countersign-pcscd-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "run" / "pcscd" / "pcscd.comm"
    os.environ[SOCKET_VARIABLE] = str(path)
    return path


def _free_port_pair() -> int:
    """Return a port p such that p and p + 1 are both free on all interfaces, where vpcd binds."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind(("0.0.0.0", port))
                second.bind(("0.0.0.0", port + 1))
            return port
        except OSError:
            continue
    raise PcscdUnavailable("no two adjacent free TCP ports found for vpcd")


class PrivatePcscd:
    """Starts pcscd in its own mount namespace, with one vpcd reader on a free port.

    ``socket_path`` must be the value of PCSCLITE_CSOCK_NAME in the client process. Use as a context manager; :meth:`stop` ends the daemon by its pid.
    """

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.run_folder = socket_path.parent.parent
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = self.run_folder.parent / "pcscd.log"

    def start(self, timeout: float = 10.0) -> "PrivatePcscd":
        pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not Path(pcscd).exists() or not VPCD_DRIVER.exists():
            raise PcscdUnavailable("pcscd or the vpcd driver is missing; install pcscd and vsmartcard-vpcd")
        unshare = shutil.which("unshare")
        if unshare is None:
            raise PcscdUnavailable("unshare (util-linux) is missing")

        self.run_folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port_pair()
        config = self.run_folder.parent / "reader.conf"
        config.write_text(
            f'FRIENDLYNAME "{READER_NAME}"\n'
            f"DEVICENAME /dev/null:{self.port}\n"
            f"LIBPATH {VPCD_DRIVER}\n"
            f"CHANNELID {self.port}\n"
        )

        namespace = [unshare, "--mount", "--propagation", "private"]
        if os.geteuid() != 0:
            namespace.insert(1, "--map-root-user")
        script = 'mount --bind "$1" /run && exec "$2" --foreground --config "$3"'
        command = [*namespace, "sh", "-c", script, "pcscd", str(self.run_folder), pcscd, str(config)]
        log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log_file.close()

        deadline = time.monotonic() + timeout
        while not self.socket_path.exists():
            if self.process.poll() is not None:
                raise PcscdUnavailable(f"pcscd exited with status {self.process.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise PcscdUnavailable(f"pcscd made no socket within {timeout} s: {self.log_tail()}")
            time.sleep(0.05)
        return self

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> "PrivatePcscd":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
