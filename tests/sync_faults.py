"""A TCP relay on 127.0.0.1 between a kiosk and a real HQ process, with network faults switched while it runs.

TLS passes through untouched: the kiosk's ``[hq] url`` names the relay's port on
127.0.0.1, and HQ's server certificate names 127.0.0.1, so the kiosk still checks the
host name and HQ still checks the kiosk's certificate. The modes:

- ``PASS``: bytes flow both ways.
- ``CUT``: the network is down. New connections are reset as soon as they are
  accepted, and open ones are reset at the next chunk or within 50 ms.
- ``DROP_RESPONSES``: the client's bytes reach HQ, but the connection to the client
  is reset when the first byte of an HTTP response comes back. HQ sends a response
  only after its route returned, so an upload it responded to is stored while the
  kiosk never receives the response.
- ``DELAY``: every chunk waits ``delay`` seconds before it is forwarded.

To tell a response from the TLS handshake, the relay reads the 5-byte TLS record
headers, never the encrypted content. In TLS 1.3 HQ sends its encrypted handshake
(EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished)
and its session tickets as application-data records before any response, so the relay
lets that many records through first. In TLS 1.2 every application-data record
from the server is a response.
"""

import enum
import logging
import selectors
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CHANGE_CIPHER_SPEC = 20
HANDSHAKE = 22
APPLICATION_DATA = 23
RECORD_HEADER_BYTES = 5

# Server records of type application data that carry the TLS 1.3 handshake when the server
# requests a client certificate (EncryptedExtensions, CertificateRequest, Certificate,
# CertificateVerify, Finished), each in its own record as OpenSSL 3 writes them.
# NOTE: another TLS library could pack these messages into fewer records. The drop test
# then fails, because it checks that HQ stored the batch whose response was dropped.
TLS13_SERVER_HANDSHAKE_RECORDS = 5

# Session tickets that an OpenSSL server sends after the handshake in TLS 1.3 (2 by default).
TLS13_SESSION_TICKETS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).num_tickets

POLL_SECONDS = 0.05


class RelayMode(enum.Enum):
    PASS = "pass"
    CUT = "cut"
    DROP_RESPONSES = "drop_responses"
    DELAY = "delay"


@dataclass
class RelayCounters:
    """What the relay did since it started: connections accepted, reset by a cut, responses dropped."""

    connections: int = 0
    cut: int = 0
    dropped_responses: int = 0


@dataclass
class _ServerRecords:
    """Reads the record headers that HQ sends on one connection, to find where its responses start."""

    header: bytearray = field(default_factory=bytearray)
    body_remaining: int = 0
    seen_change_cipher_spec: bool = False
    tls12: bool = False
    application_records: int = 0

    def response_offset(self, chunk: bytes) -> int | None:
        """Feed ``chunk`` and return the offset in it where its first response record starts, or ``None``."""
        first_response: int | None = None
        index = 0
        while index < len(chunk):
            if self.body_remaining:
                skipped = min(self.body_remaining, len(chunk) - index)
                self.body_remaining -= skipped
                index += skipped
                continue

            piece = chunk[index : index + RECORD_HEADER_BYTES - len(self.header)]
            self.header.extend(piece)
            index += len(piece)
            if len(self.header) < RECORD_HEADER_BYTES:
                break
            content_type, _version, length = struct.unpack("!BHH", self.header)
            # A header split across chunks began in the previous chunk, which went through already.
            record_start = max(index - RECORD_HEADER_BYTES, 0)
            self.header.clear()
            self.body_remaining = length

            if content_type == CHANGE_CIPHER_SPEC:
                self.seen_change_cipher_spec = True
            elif content_type == HANDSHAKE and self.seen_change_cipher_spec:
                # In TLS 1.2 the server's Finished is a handshake record after its ChangeCipherSpec.
                self.tls12 = True
            elif content_type == APPLICATION_DATA:
                self.application_records += 1
                if first_response is None and self.application_records > self._handshake_records():
                    first_response = record_start
        return first_response

    def _handshake_records(self) -> int:
        return 0 if self.tls12 else TLS13_SERVER_HANDSHAKE_RECORDS + TLS13_SESSION_TICKETS


def _reset(connection: socket.socket) -> None:
    """Close with an RST instead of a FIN, as a dropped link or a crashed peer looks."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    connection.close()


class FaultRelay:
    """Relays TCP connections from ``127.0.0.1:port`` to HQ on ``127.0.0.1:upstream_port``.

    :meth:`set_mode` switches the mode for open and new connections alike. Each
    connection runs in its own daemon thread. :meth:`stop` resets every connection.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.counters = RelayCounters()
        self._mode = RelayMode.PASS
        self._delay = 0.0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def mode(self) -> RelayMode:
        return self._mode

    def start(self) -> "FaultRelay":
        thread = threading.Thread(target=self._accept_loop, name=f"relay-{self.port}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def set_mode(self, mode: RelayMode, delay: float = 0.0) -> None:
        """Switch to ``mode``; ``delay`` is the wait per chunk in seconds, used by ``DELAY`` only."""
        with self._lock:
            self._mode = mode
            self._delay = delay
        log.info("relay %d: mode %s (delay %.3f s)", self.port, mode.value, delay)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.counters.connections += 1
            if self._mode is RelayMode.CUT:
                self.counters.cut += 1
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            except OSError:
                # HQ is down: the kiosk gets the same reset it would get without the relay.
                _reset(client)
                continue
            thread = threading.Thread(target=self._relay, args=(client, upstream), daemon=True)
            thread.start()
            self._threads = [known for known in self._threads if known.is_alive()] + [thread]

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        """Forward between ``client`` and ``upstream`` until either side closes or a fault ends it."""
        server_records = _ServerRecords()
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while not self._stopping.is_set():
                if self._mode is RelayMode.CUT:
                    self.counters.cut += 1
                    return
                for key, _ in selector.select(POLL_SECONDS):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    target: socket.socket = key.data
                    try:
                        chunk = source.recv(65536)
                    except OSError:
                        return
                    if not chunk:
                        return
                    if not self._forward(chunk, source is upstream, target, server_records):
                        return
        finally:
            selector.close()
            _reset(client)
            _reset(upstream)

    def _forward(self, chunk: bytes, from_server: bool, target: socket.socket, server_records: _ServerRecords) -> bool:
        """Send ``chunk`` on according to the mode; return ``False`` when the connection must end."""
        with self._lock:
            mode, delay = self._mode, self._delay
        if mode is RelayMode.CUT:
            self.counters.cut += 1
            return False
        if mode is RelayMode.DELAY and delay > 0:
            time.sleep(delay)

        if from_server:
            response_at = server_records.response_offset(chunk)
            if mode is RelayMode.DROP_RESPONSES and response_at is not None:
                if response_at:
                    target.sendall(chunk[:response_at])
                self.counters.dropped_responses += 1
                log.info("relay %d: dropped a response from HQ", self.port)
                return False
        try:
            target.sendall(chunk)
        except OSError:
            return False
        return True
