"""A local stand-in for the citizen identity service, for tests and trials: HTTP on 127.0.0.1 over a roster file.

The roster is JSON: ``{"citizens": [{"name": "王建国", "number": "110105196108040013",
"photo_sha256": "…"}]}``, with ``photo_sha256`` optional. The interface, which
:class:`hq.id_check.HttpCitizenIdentityService` speaks:

- ``POST /v1/citizen-identity/check`` with ``{"name", "number", "photo_base64"}``
  returns ``{"result": "match" | "mismatch" | "not_found", "photo_checked": bool}``. An
  unknown number is ``not_found``. A known number with another name, or with a photo
  whose SHA-256 differs from the roster's, is ``mismatch``. The photo is compared only
  when both the request and the roster entry have one.
- ``PUT /control`` with ``{"delay_seconds": float, "available": bool}`` makes every
  later check wait that long, or respond 503 while not available, so tests can make the
  service slow or down.
- ``GET /health`` returns ``{"status": "ok"}``.

It logs request counts and outcomes, never a name or a number.
"""

import base64
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Citizen:
    name: str
    number: str
    photo_sha256: str | None = None


def load_roster(path: Path) -> dict[str, Citizen]:
    """Read a roster file; return its citizens by number. Raises ``ValueError`` naming a bad entry."""
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = document.get("citizens") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path} needs a list under \"citizens\"")
    roster = {}
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("number"), str):
            raise ValueError(f"{path}: citizen {position} needs a name and a number as strings")
        roster[entry["number"]] = Citizen(entry["name"], entry["number"], entry.get("photo_sha256"))
    return roster


class StandinService:
    """The stand-in service on ``127.0.0.1:port`` (0 picks a free port); :meth:`start` serves it on a thread."""

    def __init__(self, roster: dict[str, Citizen], port: int = 0) -> None:
        self.roster = roster
        self.delay_seconds = 0.0
        self.available = True
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StandinService":
        self._thread = threading.Thread(target=self._server.serve_forever, name="id-standin", daemon=True)
        self._thread.start()
        log.info("citizen identity stand-in serving %d citizens on %s", len(self.roster), self.url)
        return self

    def serve_forever(self) -> None:
        log.info("citizen identity stand-in serving %d citizens on %s", len(self.roster), self.url)
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def set_behaviour(self, delay_seconds: float = 0.0, available: bool = True) -> None:
        """Make later checks wait ``delay_seconds`` first, or respond 503 when not ``available``."""
        with self._lock:
            self.delay_seconds = delay_seconds
            self.available = available
        log.info("stand-in behaviour: delay %.1f s, %s", delay_seconds, "available" if available else "unavailable")

    def result_for(self, name: str, number: str, photo: bytes | None) -> dict:
        """Return the check's result for one request, as the service's JSON body."""
        citizen = self.roster.get(number)
        if citizen is None:
            return {"result": "not_found", "photo_checked": False}
        photo_checked = photo is not None and citizen.photo_sha256 is not None
        photo_matches = not photo_checked or hashlib.sha256(photo).hexdigest() == citizen.photo_sha256
        result = "match" if citizen.name == name and photo_matches else "mismatch"
        return {"result": result, "photo_checked": photo_checked}


def _handler_for(service: StandinService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:
            # The default writes every request line to stderr; requests are counted instead.
            return

        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, {"status": "ok"})
            else:
                self._send(404, {"error": "not_found"})

        def do_PUT(self) -> None:
            if self.path != "/control":
                self._send(404, {"error": "not_found"})
                return
            body = self._body()
            if body is None:
                return
            try:
                service.set_behaviour(float(body.get("delay_seconds", 0.0)), bool(body.get("available", True)))
            except (TypeError, ValueError) as error:
                self._send(400, {"error": "invalid_control", "detail": str(error)})
                return
            self._send(200, {"delay_seconds": service.delay_seconds, "available": service.available})

        def do_POST(self) -> None:
            if self.path != "/v1/citizen-identity/check":
                self._send(404, {"error": "not_found"})
                return
            body = self._body()
            if body is None:
                return
            with service._lock:
                service.requests += 1
                delay, available = service.delay_seconds, service.available
            if delay:
                time.sleep(delay)
            if not available:
                self._send(503, {"error": "unavailable"})
                return

            name, number, photo_text = body.get("name"), body.get("number"), body.get("photo_base64")
            if not isinstance(name, str) or not isinstance(number, str):
                self._send(400, {"error": "invalid_request", "detail": "name and number must be strings"})
                return
            try:
                photo = base64.b64decode(photo_text, validate=True) if photo_text else None
            except ValueError:
                self._send(400, {"error": "invalid_request", "detail": "photo_base64 is not base64"})
                return
            result = service.result_for(name, number, photo)
            log.info("stand-in check %d: %s", service.requests, result["result"])
            self._send(200, result)

        def _body(self) -> dict | None:
            length = self.headers.get("content-length", "")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                self._send(413, {"error": "body_too_large"})
                return None
            try:
                body = json.loads(self.rfile.read(int(length)))
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._send(400, {"error": "invalid_json"})
                return None
            return body

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                # The client stopped waiting because HQ's bounded wait ended, so no one reads the response.
                pass

    return Handler
