"""Local RFC 3161 timestamp authority, OCSP responder and CRL endpoint on 127.0.0.1, run by OpenSSL.

One ``http.server`` thread serves every endpoint. The answers come from the real
``openssl ts -reply`` and ``openssl ocsp`` commands, one process per request, signed by
the keys of a :class:`tests.pki.authority.TestAuthority`.

Paths:

* ``POST /tsa`` answers a timestamp request; ``/tsa/slow/SECONDS`` waits first,
  ``/tsa/slow-after/N/SECONDS`` answers N requests and then waits before each answer,
  ``/tsa/garbage`` answers random bytes with the timestamp content type, ``/tsa/html``
  answers a web page and ``/tsa/error`` answers HTTP 500.
* ``POST /ocsp`` and ``GET /ocsp/BASE64`` answer an OCSP request.
* ``GET /root.crl`` returns the authority's CRL.
"""

import base64
import os
import subprocess
import tempfile
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.pki.authority import IssuedCertificate, TestAuthority

TSA_CONFIG = """\
[ tsa ]
default_tsa = countersign_test_tsa

[ countersign_test_tsa ]
dir = {folder}
serial = $dir/tsa-serial
crypto_device = builtin
signer_cert = {tsa_certificate}
certs = {root_certificate}
signer_key = {tsa_key}
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class LocalPkiServer:
    """The HTTP endpoints of a test authority; use as a context manager or call ``start``/``stop``."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.pki = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-pki-server", daemon=True)
        self.stopping = threading.Event()
        self.requests: Counter[str] = Counter()
        self.authority: TestAuthority | None = None
        self.tsa: IssuedCertificate | None = None
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    def serve(self, authority: TestAuthority, tsa: IssuedCertificate) -> None:
        """Answer with ``authority``'s keys and ``tsa``'s certificate from now on."""
        self.authority = authority
        self.tsa = tsa
        (authority.folder / "tsa-serial").write_text("01\n")
        (authority.folder / "tsa.cnf").write_text(
            TSA_CONFIG.format(
                folder=authority.folder,
                tsa_certificate=tsa.certificate_path,
                root_certificate=authority.root.certificate_path,
                tsa_key=tsa.key_path,
            )
        )

    def count(self, prefix: str) -> int:
        """Return how many requests arrived on paths starting with ``prefix``."""
        with self._lock:
            return sum(number for path, number in self.requests.items() if path.startswith(prefix))

    def record(self, path: str) -> int:
        with self._lock:
            self.requests[path] += 1
            return self.requests[path]

    def start(self) -> "LocalPkiServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LocalPkiServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, returning early when the server stops."""
        self.stopping.wait(seconds)

    def timestamp_reply(self, query: bytes) -> bytes:
        authority = self.authority
        assert authority is not None, "call serve() before sending timestamp requests"
        return _run_openssl(
            ["ts", "-reply", "-config", str(authority.folder / "tsa.cnf"), "-queryfile", "{input}", "-out", "{output}"],
            query,
        )

    def ocsp_reply(self, request: bytes) -> bytes:
        authority = self.authority
        assert authority is not None, "call serve() before sending OCSP requests"
        root = authority.root
        return _run_openssl(
            [
                "ocsp", "-index", str(authority.index_path), "-CA", str(root.certificate_path),
                "-rsigner", str(root.certificate_path), "-rkey", str(root.key_path),
                "-reqin", "{input}", "-respout", "{output}", "-ndays", "1",
            ],
            request,
        )


def _run_openssl(arguments: list[str], data: bytes) -> bytes:
    with tempfile.TemporaryDirectory(prefix="countersign-openssl-") as folder:
        source = Path(folder) / "input.der"
        target = Path(folder) / "output.der"
        source.write_bytes(data)
        command = ["openssl"] + [part.format(input=source, output=target) for part in arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=20)
        return target.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server_version = "CounterSignTestPki/1"

    def log_message(self, format, *args) -> None:  # noqa: A002 - the name is http.server's
        pass

    @property
    def pki(self) -> LocalPkiServer:
        return self.server.pki  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self.pki.record(self.path)
        if self.path == "/root.crl":
            self._reply(200, "application/pkix-crl", self.pki.authority.crl_path.read_bytes())
        elif self.path.startswith("/ocsp/"):
            request = base64.b64decode(self.path[len("/ocsp/"):].replace("%2B", "+").replace("%2F", "/").replace("%3D", "="))
            self._reply(200, "application/ocsp-response", self.pki.ocsp_reply(request))
        else:
            self._reply(404, "text/plain", b"not found")

    def do_POST(self) -> None:
        number = self.pki.record(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.strip("/").split("/")

        if parts[0] == "ocsp":
            self._reply(200, "application/ocsp-response", self.pki.ocsp_reply(body))
            return
        if parts[0] != "tsa":
            self._reply(404, "text/plain", b"not found")
            return

        mode = parts[1] if len(parts) > 1 else "ok"
        if mode == "slow":
            self.pki.wait(float(parts[2]))
        elif mode == "slow-after" and number > int(parts[2]):
            self.pki.wait(float(parts[3]))
        elif mode == "garbage":
            self._reply(200, "application/timestamp-reply", os.urandom(300))
            return
        elif mode == "html":
            self._reply(200, "text/html", b"<html><body>Service temporarily unavailable</body></html>")
            return
        elif mode == "error":
            self._reply(500, "text/plain", b"internal error")
            return
        if self.pki.stopping.is_set():
            return
        self._reply(200, "application/timestamp-reply", self.pki.timestamp_reply(body))

    def _reply(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, which is what the slow modes test


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


