"""A GA 467 SAM reader simulator that serves simulated cards over a serial port.

It responds to reset, SAM status, SAM ID, find, select and read. It paces its output
to the baud rate so that timings resemble a real link. It can inject the faults a
branch meets: line noise, a bad checksum, silence and a card pulled out mid-read.
"""

import enum
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

import serial

from devices.errors import FrameError, ReaderTimeoutError
from devices.idcard import ga467
from devices.idcard.framing import read_frame

log = logging.getLogger(__name__)

SAM_ID = bytes.fromhex("0000000000000000000000000000CAFE")


@dataclass(frozen=True)
class SimulatedCard:
    """A card as the chip holds it: text block, photo block and optional fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


class Fault(enum.Enum):
    """A fault applied to the next response (or the next read, for ``REMOVE_DURING_READ``)."""

    NOISE = "noise"
    BAD_CHECKSUM = "bad_checksum"
    SILENCE = "silence"
    REMOVE_DURING_READ = "remove_during_read"


class ReaderSimulator:
    """Serves GA 467 on ``port`` from a background thread until :meth:`stop`.

    ``pace`` makes writes take as long as they would at ``baudrate`` (ten bits a byte).
    The simulator's state is changed from other threads through :meth:`present`,
    :meth:`remove` and :meth:`inject`, which take a lock.
    """

    def __init__(self, port: str, baudrate: int = 115200, pace: bool = True) -> None:
        self.port = port
        self.baudrate = baudrate
        self.pace = pace
        self.received: list[str] = []
        self._card: SimulatedCard | None = None
        self._faults: deque[Fault] = deque()
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

    def start(self) -> "ReaderSimulator":
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
                body = read_frame(self._serial, time.monotonic() + 0.3)
            except ReaderTimeoutError:
                continue
            except FrameError as error:
                log.info("simulator %s: bad request frame: %s", self.port, error)
                self._send(ga467.encode_response(ga467.Status.CHECKSUM_ERROR))
                continue
            except (serial.SerialException, OSError) as error:
                if not self._stop.is_set():
                    log.warning("simulator %s stopped on an I/O error: %s", self.port, error)
                return

            if len(body) < 2:
                self._send(ga467.encode_response(ga467.Status.LENGTH_ERROR))
                continue
            command = ga467.Command(body[0], body[1])
            self.received.append(command.code)
            self._answer(command)

    def _answer(self, command: ga467.Command) -> None:
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            card = self._card
            if fault is Fault.REMOVE_DURING_READ and command not in (
                ga467.READ_BASE_INFO,
                ga467.READ_BASE_INFO_WITH_FINGERPRINT,
            ):
                # The fault waits for the read command it is about.
                self._faults.appendleft(fault)
                fault = None
            if fault is Fault.REMOVE_DURING_READ:
                self._card = None

        response = self._response_for(command, card if fault is not Fault.REMOVE_DURING_READ else None)

        if fault is Fault.SILENCE:
            return
        if fault is Fault.BAD_CHECKSUM:
            response = response[:-1] + bytes([response[-1] ^ 0xFF])
        if fault is Fault.NOISE:
            response = bytes.fromhex("00FF13AA5AAA") + response
        self._send(response)

    def _response_for(self, command: ga467.Command, card: SimulatedCard | None) -> bytes:
        if command in (ga467.RESET_SAM, ga467.SAM_STATUS):
            return ga467.encode_response(ga467.Status.SUCCESS)
        if command == ga467.READ_SAM_ID:
            return ga467.encode_response(ga467.Status.SUCCESS, SAM_ID)
        if command == ga467.FIND_CARD:
            if card is None:
                return ga467.encode_response(ga467.Status.FIND_CARD_FAILED)
            return ga467.encode_response(ga467.Status.FIND_CARD_SUCCESS, bytes(4))
        if command == ga467.SELECT_CARD:
            if card is None:
                return ga467.encode_response(ga467.Status.SELECT_CARD_FAILED)
            return ga467.encode_response(ga467.Status.SUCCESS, bytes(8))
        if command in (ga467.READ_BASE_INFO, ga467.READ_BASE_INFO_WITH_FINGERPRINT):
            if card is None:
                return ga467.encode_response(ga467.Status.READ_CARD_FAILED)
            fingerprint = None
            if command == ga467.READ_BASE_INFO_WITH_FINGERPRINT:
                fingerprint = card.fingerprint or b""
            info = ga467.BaseInfo(text=card.text, photo=card.photo, fingerprint=fingerprint)
            return ga467.encode_response(ga467.Status.SUCCESS, ga467.encode_base_info(info))
        return ga467.encode_response(ga467.Status.COMMAND_ERROR)

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
