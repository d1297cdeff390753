"""Driver for serial SAM readers that speak GA 467 (the common USB-serial ID-card readers)."""

import logging
import time

import serial

from devices.errors import FrameError, NoCardError, ReaderError, ReaderTimeoutError, ReaderUnavailableError
from devices.idcard import ga467
from devices.idcard.framing import read_frame
from devices.idcard.reader import CardRead
from devices.ownership import ThreadOwner

try:
    import termios
except ImportError:  # Windows has no termios; pyserial raises SerialException there.
    _PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
else:
    # pyserial lets termios.error (not an OSError) escape from reset_input_buffer() and
    # flush() when the reader has been unplugged.
    _PORT_ERRORS = (serial.SerialException, OSError, termios.error)

log = logging.getLogger(__name__)

# The SAM needs this long after a baud rate change before it takes the next command
# (Syn_SetCOMBaud API notes, cited in devices/idcard/ga467.py).
BAUDRATE_SETTLE_SECONDS = 0.005


class SerialIdCardReader:
    """Reads cards and drives the SAM with GA 467 commands over a serial port.

    ``command_timeout`` bounds the wait for each response in seconds, plus the time its
    bytes take on the line at ``baudrate`` (ten bits a byte). A response that
    times out or fails its checksum, and a status saying the reader received our request
    corrupted, are requested again up to ``retries`` times, because every command but the
    baud rate change can be repeated without side effects. The port is opened on the
    first command and reopened after an I/O error, so that a reader unplugged and plugged
    in again works without a restart. Only the thread that first uses the reader may use
    it afterwards.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        command_timeout: float = 1.0,
        retries: int = 2,
        with_fingerprint: bool = False,
        with_appended_address: bool = False,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.retries = retries
        self.with_fingerprint = with_fingerprint
        self.with_appended_address = with_appended_address
        self._serial: serial.Serial | None = None
        self._owner = ThreadOwner(f"ID-card reader on {port}")

    def read_card(self) -> CardRead:
        """Find, select and read the card on the reader (``20 01``, ``20 02``, ``30 01`` or ``30 10``).

        With ``with_appended_address`` it also reads the appended address (``30 03``).
        Raises :class:`NoCardError` when no card is present, :class:`CardRemovedError`
        when the card leaves between find and the end of the read, and other
        :class:`ReaderError` subclasses for protocol, line and port failures.
        """
        self._owner.check()

        if not self.find_card():
            raise NoCardError(f"reader {self.port}: no card on the reader")
        self.select_card()
        info = self.read_base_info(self.with_fingerprint)

        appended_address = self.read_appended_address() if self.with_appended_address else None
        return CardRead(text=info.text, photo=info.photo, fingerprint=info.fingerprint, appended_address=appended_address)

    def find_card(self) -> bool:
        """Send find (``20 01``); return True when a card is on the reader, False when none is.

        Raises a :class:`ReaderError` subclass for any other status.
        """
        self._owner.check()
        response = self._transact(ga467.FIND_CARD)
        if response.sw3 == ga467.Status.FIND_CARD_FAILED:
            log.info("reader %s: command %s: no card", self.port, ga467.FIND_CARD.code)
            return False
        self._expect(response, ga467.Status.FIND_CARD_SUCCESS, ga467.FIND_CARD)
        return True

    def select_card(self) -> None:
        """Send select (``20 02``) after a successful find.

        Raises :class:`CardRemovedError` when the card cannot be selected any more.
        """
        self._owner.check()
        self._expect(self._transact(ga467.SELECT_CARD), ga467.Status.SUCCESS, ga467.SELECT_CARD)

    def read_base_info(self, with_fingerprint: bool = False) -> ga467.BaseInfo:
        """Read text and photo (``30 01``), and fingerprints too with ``with_fingerprint`` (``30 10``).

        Raises :class:`CardRemovedError` when the card left the reader, and
        :class:`FrameError` when the data does not split into its blocks.
        """
        self._owner.check()
        command = ga467.READ_BASE_INFO_WITH_FINGERPRINT if with_fingerprint else ga467.READ_BASE_INFO
        response = self._transact(command)
        self._expect(response, ga467.Status.SUCCESS, command)
        try:
            return ga467.decode_base_info(response.data, with_fingerprint)
        except ValueError as error:
            log.warning("reader %s: command %s returned malformed data: %s", self.port, command.code, error)
            raise FrameError(f"reader {self.port}: command {command.code} returned malformed data: {error}") from error

    def read_appended_address(self) -> bytes | None:
        """Read the address endorsed after issue (``30 03``) from the selected card.

        Returns the raw UCS-2 data (decode it with :func:`ga467.decode_appended_address`),
        or None when the card has no appended address (status 0x91).
        """
        self._owner.check()
        response = self._transact(ga467.READ_NEW_ADDRESS)
        if response.sw3 == ga467.Status.NO_CONTENT:
            return None
        self._expect(response, ga467.Status.SUCCESS, ga467.READ_NEW_ADDRESS)
        return response.data

    def reset_sam(self) -> None:
        """Reset the SAM (``10 FF``); raises a :class:`ReaderError` subclass unless it succeeds."""
        self._owner.check()
        self._expect(self._transact(ga467.RESET_SAM), ga467.Status.SUCCESS, ga467.RESET_SAM)

    def sam_status(self) -> ga467.Response:
        """Ask the SAM for its status (``11 FF``); ``sw3`` is 0x90 when it is healthy.

        Any status is returned rather than raised, because the status is the result.
        """
        self._owner.check()
        return self._transact(ga467.SAM_STATUS)

    def read_sam_id(self) -> bytes:
        """Read the 16-byte SAM ID (``12 FF``); :func:`ga467.format_sam_id` prints it.

        Raises :class:`FrameError` when the ID does not have 16 bytes.
        """
        self._owner.check()
        response = self._transact(ga467.READ_SAM_ID)
        self._expect(response, ga467.Status.SUCCESS, ga467.READ_SAM_ID)
        if len(response.data) != ga467.SAM_ID_SIZE:
            message = f"reader {self.port}: command {ga467.READ_SAM_ID.code} returned {len(response.data)} bytes of SAM ID, expected {ga467.SAM_ID_SIZE}"
            log.warning(message)
            raise FrameError(message)
        return response.data

    def set_baudrate(self, baudrate: int) -> None:
        """Switch the SAM to ``baudrate`` (``60 xx``) and reopen the port at that rate.

        The SAM sends its response at the old rate. When no response or a garbled one
        arrives, the SAM may still have switched, so the driver requests the SAM status at
        the new rate before giving up.
        Raises ``ValueError`` for a rate the SAM does not support, and a
        :class:`ReaderError` subclass when the SAM rejects the change or responds at
        neither rate. The driver then stays at the old rate.
        """
        self._owner.check()
        command = ga467.baudrate_command(baudrate)
        old_baudrate = self.baudrate

        try:
            response = self._transact(command, retries=0)
        except (ReaderTimeoutError, FrameError) as error:
            log.warning("reader %s: no valid response to %s at %d baud (%s), trying %d baud", self.port, command.code, old_baudrate, error, baudrate)
            self._reopen_at(baudrate)
            try:
                self._transact(ga467.SAM_STATUS, retries=0)
            except (ReaderTimeoutError, FrameError):
                self._reopen_at(old_baudrate)
                raise ReaderTimeoutError(
                    f"reader {self.port}: no response to {command.code} at {old_baudrate} baud, and no SAM status at {baudrate} baud"
                ) from error
            log.info("reader %s: now at %d baud", self.port, baudrate)
            return

        self._expect(response, ga467.Status.SUCCESS, command)
        self._reopen_at(baudrate)
        time.sleep(BAUDRATE_SETTLE_SECONDS)
        log.info("reader %s: now at %d baud", self.port, baudrate)

    def close(self) -> None:
        """Close the port; the next command opens it again."""
        if self._serial is not None:
            try:
                self._serial.close()
            except _PORT_ERRORS as error:
                log.warning("reader %s: closing the port failed: %s", self.port, error)
            self._serial = None

    def _reopen_at(self, baudrate: int) -> None:
        self.close()
        self.baudrate = baudrate

    def _expect(self, response: ga467.Response, status: ga467.Status, command: ga467.Command) -> None:
        if response.sw3 == status:
            return
        error = ga467.error_for_status(command, response.sw3, self.port)
        if isinstance(error, NoCardError):
            log.info("%s", error)
        else:
            log.warning("%s", error)
        raise error

    def _open(self) -> serial.Serial:
        if self._serial is None:
            try:
                self._serial = serial.Serial(self.port, self.baudrate, timeout=0.2, write_timeout=1.0, exclusive=True)
            except _PORT_ERRORS as error:
                log.warning("reader %s: cannot open the port at %d baud: %s", self.port, self.baudrate, error)
                raise ReaderUnavailableError(f"cannot open reader port {self.port}: {error}") from error
        return self._serial

    def _transact(self, command: ga467.Command, data: bytes = b"", retries: int | None = None) -> ga467.Response:
        """Send ``command`` and return its response, whatever its status.

        Timeouts, bad frames and port errors are retried ``retries`` times (default: the
        reader's ``retries``). The statuses saying that the reader received the request
        corrupted and did nothing (0x10, 0x11) are always retried up to the reader's
        ``retries``, and the last one is returned for the caller to raise. Raises
        :class:`ReaderUnavailableError` as soon as the port cannot be opened, and the last
        line error once its retries are used up.
        """
        request = ga467.encode_request(command, data)
        line_attempts = 1 + (self.retries if retries is None else retries)
        line_failures = 0
        status_failures = 0

        while True:
            port = self._open()
            try:
                port.reset_input_buffer()
                port.write(request)
                port.flush()
                body = read_frame(port, time.monotonic() + self.command_timeout, seconds_per_byte=10 / self.baudrate)
                response = ga467.decode_response_body(body)
            except (FrameError, ReaderTimeoutError, ValueError, *_PORT_ERRORS) as error:
                line_failures += 1
                failure = self._line_failure(command, error)
                log.warning("reader %s: command %s attempt %d of %d failed: %s", self.port, command.code, line_failures, line_attempts, failure)
                if line_failures < line_attempts:
                    continue
                if failure is error:
                    raise
                raise failure from error

            if response.sw3 in (ga467.Status.CHECKSUM_ERROR, ga467.Status.LENGTH_ERROR) and status_failures < self.retries:
                status_failures += 1
                log.warning("reader %s: command %s sent again after status %s", self.port, command.code, ga467.describe_status(response.sw3))
                continue
            return response

    def _line_failure(self, command: ga467.Command, error: BaseException) -> ReaderError:
        """Return the typed error for a failed exchange; closes the port after an I/O error."""
        if isinstance(error, ReaderTimeoutError):
            return ReaderTimeoutError(
                f"reader {self.port}: command {command.code} got no response at {self.baudrate} baud ({error}); "
                "check the cable, the port and the baud rate"
            )
        if isinstance(error, FrameError):
            return FrameError(f"reader {self.port}: command {command.code}: {error}")
        if isinstance(error, ValueError):
            return FrameError(f"reader {self.port}: command {command.code} got a malformed response: {error}")
        self.close()
        return ReaderUnavailableError(f"I/O error on reader port {self.port}: {error}")
