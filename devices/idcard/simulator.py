"""A GA 467 SAM reader simulator that serves simulated cards over a serial port.

It responds to reset, SAM status, SAM ID, find, select, the three reads and the baud
rate change. It paces its output to the baud rate so that timings resemble a real link.
It can inject the faults a branch meets (line noise between or inside frames, a bad
checksum, silence, a card pulled out mid-read) and respond to any command with any status.
"""

import enum
import logging
import select
import threading
import time
from collections import deque
from dataclasses import dataclass

import serial

from devices.errors import FrameError, ReaderTimeoutError
from devices.idcard import ga467
from devices.idcard.framing import read_frame

log = logging.getLogger(__name__)

# Prints as 05.01-20201203-000012345-123456789 (see ga467.format_sam_id).
SAM_ID = (
    bytes([5, 0, 1, 0])
    + (20201203).to_bytes(4, "little")
    + (12345).to_bytes(4, "little")
    + (123456789).to_bytes(4, "little")
)

# Garbage the NOISE faults put on the line. It ends in a partial preamble on purpose.
NOISE_BYTES = bytes.fromhex("00FF13AA5AAA")

# Maximum time for a request frame to arrive once its first byte is in. A request is
# about ten bytes, so this leaves a wide margin even at 9600 baud.
REQUEST_DEADLINE = 0.5


@dataclass(frozen=True)
class SimulatedCard:
    """A card as the chip holds it: text block, photo block, optional fingerprints and appended address.

    ``appended_address`` is the raw data of a ``30 03`` response (see
    :func:`devices.idcard.ga467.encode_appended_address`), or None when the card has none.
    """

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None
    appended_address: bytes | None = None


class Fault(enum.Enum):
    """A fault applied to the next response (or the next read, for ``REMOVE_DURING_READ``)."""

    NOISE = "noise"
    NOISE_INSIDE = "noise_inside"
    BAD_CHECKSUM = "bad_checksum"
    SILENCE = "silence"
    REMOVE_DURING_READ = "remove_during_read"


_READ_COMMANDS = (ga467.READ_BASE_INFO, ga467.READ_BASE_INFO_WITH_FINGERPRINT)


class ReaderSimulator:
    """Serves GA 467 on ``port`` from a background thread until :meth:`stop`.

    ``pace`` makes writes take as long as they would at ``baudrate`` (ten bits a byte).
    The simulator's state is changed from other threads through :meth:`present`,
    :meth:`remove`, :meth:`inject` and :meth:`respond_once`, which take a lock. After
    :meth:`stop`, or after the port failed (socat stopped), :meth:`start` serves again.
    """

    def __init__(self, port: str, baudrate: int = 115200, pace: bool = True, sam_id: bytes = SAM_ID) -> None:
        self.port = port
        self.baudrate = baudrate
        self.pace = pace
        self.sam_id = sam_id
        self.received: list[str] = []
        self._card: SimulatedCard | None = None
        self._faults: deque[Fault] = deque()
        self._scripted: dict[ga467.Command, deque[bytes]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial: serial.Serial | None = None

    def present(self, card: SimulatedCard) -> None:
        """Put ``card`` on the reader."""
        with self._lock:
            self._card = card

    def remove(self) -> None:
        """Take the card off the reader."""
        with self._lock:
            self._card = None

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each applies to one later exchange, in order."""
        with self._lock:
            self._faults.extend(faults)

    def respond_once(self, command: ga467.Command, sw3: int, data: bytes = b"") -> None:
        """Respond to the next ``command`` with status ``sw3`` and ``data`` instead of the usual response.

        Calls for the same command queue up, one per later request.
        """
        with self._lock:
            self._scripted.setdefault(command, deque()).append(ga467.encode_response(sw3, data))

    def start(self) -> "ReaderSimulator":
        """Open the port at ``baudrate`` and serve from a background thread."""
        self.stop()
        self._serial = serial.Serial(self.port, self.baudrate, timeout=0.1)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"ga467-sim {self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _serve(self) -> None:
        assert self._serial is not None
        while not self._stop.is_set():
            try:
                # Wait for the first byte of a request, so that stop() is noticed quickly
                # and a request is never cut by a deadline that started before it.
                ready, _, _ = select.select([self._serial.fileno()], [], [], 0.05)
                if not ready:
                    continue
                body = read_frame(self._serial, time.monotonic() + REQUEST_DEADLINE)
            except ReaderTimeoutError:
                continue
            except FrameError as error:
                log.info("simulator %s: bad request frame: %s", self.port, error)
                self._send(ga467.encode_response(ga467.Status.CHECKSUM_ERROR))
                continue
            except (serial.SerialException, OSError, ValueError) as error:
                # ValueError: select() on a descriptor that stop() closed meanwhile.
                if not self._stop.is_set():
                    log.warning("simulator %s stopped on an I/O error: %s", self.port, error)
                return

            if len(body) < 2:
                self._send(ga467.encode_response(ga467.Status.LENGTH_ERROR))
                continue
            command = ga467.Command(body[0], body[1])
            self.received.append(command.code)
            try:
                self._answer(command)
            except (serial.SerialException, OSError) as error:
                if not self._stop.is_set():
                    log.warning("simulator %s stopped on an I/O error: %s", self.port, error)
                return

    def _answer(self, command: ga467.Command) -> None:
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            if fault is Fault.REMOVE_DURING_READ and command not in _READ_COMMANDS:
                # The fault waits for the read command it is about.
                self._faults.appendleft(fault)
                fault = None
            if fault is Fault.REMOVE_DURING_READ:
                self._card = None
            card = self._card
            scripted = self._scripted.get(command)
            response = scripted.popleft() if scripted else None

        if response is None:
            response = self._response_for(command, card)

        if fault is not Fault.SILENCE:
            if fault is Fault.BAD_CHECKSUM:
                response = response[:-1] + bytes([response[-1] ^ 0xFF])
            if fault is Fault.NOISE:
                response = NOISE_BYTES + response
            if fault is Fault.NOISE_INSIDE:
                middle = len(ga467.PREAMBLE) + 2 + 3
                response = response[:middle] + NOISE_BYTES + response[middle:]
            self._send(response)

        if command[0] == ga467.SET_BAUDRATE and response == ga467.encode_response(ga467.Status.SUCCESS):
            # The SAM responds at the old rate and listens at the new one from then on,
            # also when its response was lost.
            self._switch_baudrate(ga467.baudrate_for_parameter(command[1]))

    def _response_for(self, command: ga467.Command, card: SimulatedCard | None) -> bytes:
        if command in (ga467.RESET_SAM, ga467.SAM_STATUS):
            return ga467.encode_response(ga467.Status.SUCCESS)
        if command == ga467.READ_SAM_ID:
            return ga467.encode_response(ga467.Status.SUCCESS, self.sam_id)
        if command[0] == ga467.SET_BAUDRATE:
            if command[1] not in ga467.BAUDRATE_PARAMETERS.values():
                return ga467.encode_response(ga467.Status.COMMAND_ERROR)
            return ga467.encode_response(ga467.Status.SUCCESS)
        if command == ga467.FIND_CARD:
            if card is None:
                return ga467.encode_response(ga467.Status.FIND_CARD_FAILED)
            return ga467.encode_response(ga467.Status.FIND_CARD_SUCCESS, bytes(4))
        if command == ga467.SELECT_CARD:
            if card is None:
                return ga467.encode_response(ga467.Status.SELECT_CARD_FAILED)
            return ga467.encode_response(ga467.Status.SUCCESS, bytes(8))
        if command in _READ_COMMANDS:
            if card is None:
                return ga467.encode_response(ga467.Status.READ_CARD_FAILED)
            fingerprint = None
            if command == ga467.READ_BASE_INFO_WITH_FINGERPRINT:
                fingerprint = card.fingerprint or b""
            info = ga467.BaseInfo(text=card.text, photo=card.photo, fingerprint=fingerprint)
            return ga467.encode_response(ga467.Status.SUCCESS, ga467.encode_base_info(info))
        if command == ga467.READ_NEW_ADDRESS:
            if card is None:
                return ga467.encode_response(ga467.Status.READ_CARD_FAILED)
            if card.appended_address is None:
                return ga467.encode_response(ga467.Status.NO_CONTENT)
            return ga467.encode_response(ga467.Status.SUCCESS, card.appended_address)
        return ga467.encode_response(ga467.Status.COMMAND_ERROR)

    def _switch_baudrate(self, baudrate: int) -> None:
        assert self._serial is not None
        self._serial.flush()
        self._serial.baudrate = baudrate
        self.baudrate = baudrate
        log.info("simulator %s now at %d baud", self.port, baudrate)

    def _send(self, frame: bytes) -> None:
        assert self._serial is not None
        if not self.pace:
            self._serial.write(frame)
            return
        seconds_per_byte = 10 / self.baudrate
        for start in range(0, len(frame), 64):
            chunk = frame[start : start + 64]
            self._serial.write(chunk)
            time.sleep(len(chunk) * seconds_per_byte)
