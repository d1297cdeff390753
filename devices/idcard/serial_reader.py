"""Driver for serial SAM readers that speak GA 467 (the common USB-serial ID-card readers)."""

import logging
import time

import serial

from devices.errors import (
    CardReadError,
    CardRemovedError,
    FrameError,
    NoCardError,
    ReaderError,
    ReaderTimeoutError,
)
from devices.idcard import ga467
from devices.idcard.framing import read_frame
from devices.idcard.reader import CardRead
from devices.ownership import ThreadOwner

log = logging.getLogger(__name__)


class SerialIdCardReader:
    """Reads a card with find, select and read over a serial port.

    ``command_timeout`` bounds the wait for each response in seconds. A response that
    times out or fails its checksum is requested again up to ``retries`` times, because
    find, select and read can be repeated without side effects. The port is opened on
    the first read and reopened after an I/O error, so that a reader unplugged and
    plugged in again works without a restart. Only the thread that first uses the
    reader may use it afterwards.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        command_timeout: float = 1.0,
        retries: int = 2,
        with_fingerprint: bool = False,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.retries = retries
        self.with_fingerprint = with_fingerprint
        self._serial: serial.Serial | None = None
        self._owner = ThreadOwner(f"ID-card reader on {port}")

    def read_card(self) -> CardRead:
        """Find, select and read the card on the reader.

        Raises :class:`NoCardError` when no card is present, :class:`CardRemovedError`
        when the card leaves between find and read, and :class:`ReaderError` subclasses
        for protocol and line failures.
        """
        self._owner.check()

        found = self._transact(ga467.FIND_CARD)
        if found.sw3 == ga467.Status.FIND_CARD_FAILED:
            raise NoCardError("no card on the reader")
        self._expect(found, ga467.Status.FIND_CARD_SUCCESS, ga467.FIND_CARD)

        selected = self._transact(ga467.SELECT_CARD)
        if selected.sw3 == ga467.Status.SELECT_CARD_FAILED:
            raise CardRemovedError("card left the reader before it was selected")
        self._expect(selected, ga467.Status.SUCCESS, ga467.SELECT_CARD)

        command = ga467.READ_BASE_INFO_WITH_FINGERPRINT if self.with_fingerprint else ga467.READ_BASE_INFO
        response = self._transact(command)
        if response.sw3 == ga467.Status.READ_CARD_FAILED:
            raise CardRemovedError("card left the reader while it was read")
        self._expect(response, ga467.Status.SUCCESS, command)

        try:
            info = ga467.decode_base_info(response.data, self.with_fingerprint)
        except ValueError as error:
            raise FrameError(f"read response is malformed: {error}") from error
        return CardRead(text=info.text, photo=info.photo, fingerprint=info.fingerprint)

    def sam_status(self) -> ga467.Response:
        """Ask the SAM for its status (``11 FF``); ``sw3`` is 0x90 when it is healthy."""
        self._owner.check()
        return self._transact(ga467.SAM_STATUS)

    def close(self) -> None:
        """Close the port; the next read opens it again."""
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _expect(self, response: ga467.Response, status: ga467.Status, command: ga467.Command) -> None:
        if response.sw3 != status:
            raise CardReadError(f"command {command.code} returned status {response.status_name}")

    def _open(self) -> serial.Serial:
        if self._serial is None:
            try:
                self._serial = serial.Serial(self.port, self.baudrate, timeout=0.2, write_timeout=1.0)
            except serial.SerialException as error:
                raise ReaderError(f"cannot open reader port {self.port}: {error}") from error
        return self._serial

    def _transact(self, command: ga467.Command) -> ga467.Response:
        """Send ``command`` and return its response, retrying timeouts and bad frames."""
        request = ga467.encode_request(command)
        last_error: ReaderError | None = None

        for attempt in range(1 + self.retries):
            port = self._open()
            try:
                port.reset_input_buffer()
                port.write(request)
                port.flush()
                body = read_frame(port, time.monotonic() + self.command_timeout)
                return ga467.decode_response_body(body)
            except (FrameError, ReaderTimeoutError) as error:
                last_error = error
                log.warning(
                    "reader %s: command %s attempt %d failed: %s", self.port, command.code, attempt + 1, error
                )
            except ValueError as error:
                last_error = FrameError(str(error))
                log.warning("reader %s: command %s got a malformed response: %s", self.port, command.code, error)
            except (serial.SerialException, OSError) as error:
                log.warning("reader %s: I/O error, reopening the port: %s", self.port, error)
                self.close()
                last_error = ReaderError(f"I/O error on {self.port}: {error}")

        assert last_error is not None
        raise last_error
