"""Driver for passport chips on PC/SC readers (pcscd through pyscard): BAC, then the LDS files under secure messaging."""

import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from smartcard import scard

from devices.errors import CardRemovedError, NoCardError, ReaderError, ReaderTimeoutError, ReaderUnavailableError
from devices.ownership import ThreadOwner
from devices.passport import bac, card_access, files
from devices.passport.apdu import CommandApdu, ResponseApdu
from devices.passport.errors import ChipFileError, ChipFileNotFound
from devices.passport.reader import ChipRead
from devices.passport.secure_messaging import SecureChannel
from devices.passport.tlv import TlvError

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a failed exchange waits for pcscd to notice that the card left, which it
# learns by polling the reader (every 0.4 s in pcsc-lite 1.9).
REMOVAL_GRACE_SECONDS = 1.5
_REMOVED = {scard.SCARD_W_REMOVED_CARD & 0xFFFFFFFF, scard.SCARD_E_NO_SMARTCARD & 0xFFFFFFFF}
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE & 0xFFFFFFFF, scard.SCARD_E_SERVICE_STOPPED & 0xFFFFFFFF}


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _describe(hresult: int) -> str:
    return f"{scard.SCardGetErrorMessage(hresult)} (0x{_code(hresult):08X})"


class PcscPassportReader:
    """Reads EF.COM, the data groups and EF.SOD of a passport chip through pcscd.

    ``reader_name`` picks the first reader whose name starts with it (default: the
    first reader). ``card_timeout`` bounds the wait for a card in seconds,
    ``command_timeout`` each command's round trip, and ``read_timeout`` the whole read
    once the card is connected. Every PC/SC call runs on one worker
    thread, which owns the context and card handle. A call that overruns its timeout
    raises :class:`ReaderTimeoutError`, and the worker is abandoned so that the next
    read starts afresh. Only the thread that first calls :meth:`read_chip` may use the
    reader afterwards.
    """

    def __init__(
        self,
        reader_name: str | None = None,
        card_timeout: float = 5.0,
        command_timeout: float = 3.0,
        read_timeout: float = 30.0,
        chunk_size: int = files.DEFAULT_CHUNK_SIZE,
        data_groups: tuple[int, ...] = (1, 2),
    ) -> None:
        if not 1 <= chunk_size <= files.MAX_PROTECTED_CHUNK_SIZE:
            raise ValueError(f"chunk size {chunk_size} is outside 1..{files.MAX_PROTECTED_CHUNK_SIZE}")
        self.reader_name = reader_name
        self.card_timeout = card_timeout
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.chunk_size = chunk_size
        self.data_groups = data_groups
        self._owner = ThreadOwner(f"passport reader {reader_name or '(first PC/SC reader)'}")
        self._worker: _Worker | None = None
        self._session: _PcscSession | None = None
        self._deadline = 0.0

    def read_chip(self, mrz_information: str) -> ChipRead:
        """Connect to the card, run BAC with the keys from ``mrz_information`` and read the files.

        Raises :class:`NoCardError` when no card arrives within ``card_timeout``,
        :class:`CardRemovedError` when it leaves during the read,
        :class:`ReaderTimeoutError` when a command overruns ``command_timeout`` or the
        read overruns ``read_timeout``,
        :class:`ReaderUnavailableError` when pcscd or the reader is missing, and the
        :class:`devices.passport.errors.PassportChipError` subclasses of BAC, secure
        messaging and file reading. Raises ``ValueError`` when ``mrz_information`` is
        not ASCII.
        """
        self._owner.check()
        bac_keys = bac.derive_bac_keys(mrz_information)

        started = time.monotonic()
        self._session = _PcscSession(self.reader_name, self.card_timeout)
        try:
            atr = self._call(self._session.connect, timeout=self.card_timeout + self.command_timeout)
            self._deadline = time.monotonic() + self.read_timeout
            card_access_file = self._read_card_access()
            pace_offered = self._offers_pace(card_access_file)
            files.select_application(self._transmit)

            session_keys = bac.authenticate(self._transmit, bac_keys, pace_offered=pace_offered)
            channel = SecureChannel(session_keys)

            def transmit_protected(command: CommandApdu) -> ResponseApdu:
                return channel.unwrap(self._transmit(channel.wrap(command)))

            com = files.read_file(transmit_protected, files.FileId.COM, self.chunk_size)
            data_groups = {
                number: files.read_file(transmit_protected, files.data_group_file_id(number), self.chunk_size)
                for number in self.data_groups
            }
            sod = files.read_file(transmit_protected, files.FileId.SOD, self.chunk_size)
        finally:
            self._release()

        sizes = ", ".join(f"DG{number} {len(content)} B" for number, content in data_groups.items())
        log.info("passport chip read in %.2f s: %s, SOD %d B", time.monotonic() - started, sizes, len(sod))
        return ChipRead(com=com, data_groups=data_groups, sod=sod, card_access=card_access_file, atr=atr)

    def close(self) -> None:
        """Stop the worker thread; the next read starts a new one."""
        self._release()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def _read_card_access(self) -> bytes | None:
        """Read EF.CardAccess from the master file, unprotected; ``None`` when the chip has none."""
        try:
            return files.read_file(self._transmit, files.FileId.CARD_ACCESS, self.chunk_size)
        except ChipFileNotFound:
            return None
        except ChipFileError as error:
            log.info("EF.CardAccess not readable (%s); assuming BAC only", error)
            return None

    def _offers_pace(self, card_access_file: bytes | None) -> bool:
        if card_access_file is None:
            return False
        try:
            protocols = card_access.pace_protocols(card_access_file)
        except TlvError as error:
            log.warning("EF.CardAccess is malformed (%s); assuming the chip offers no PACE", error)
            return False
        log.info("chip offers PACE: %s", ", ".join(protocols) or "no")
        return bool(protocols)

    def _call(self, function: Callable[..., T], *arguments: Any, timeout: float) -> T:
        """Run ``function`` on the worker thread and wait at most ``timeout`` seconds for it."""
        if self._worker is None:
            self._worker = _Worker()
        future = self._worker.submit(function, *arguments)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            # NOTE: PC/SC cannot cancel a blocked SCardTransmit, so the abandoned thread keeps
            # its session (context and card handle) until pcscd returns or the card leaves.
            abandoned, reader = self._session, self._session.reader if self._session else "?"
            if abandoned is not None:
                self._worker.submit(abandoned.disconnect)
            self._worker.stop()
            self._worker = None
            self._session = None
            raise ReaderTimeoutError(f"reader {reader} did not respond within {timeout:.1f} s") from None

    def _transmit(self, command: CommandApdu) -> ResponseApdu:
        if self._session is None:
            raise ReaderError("the reader session ended after a timeout")
        if time.monotonic() > self._deadline:
            raise ReaderTimeoutError(f"reading the chip in {self._session.reader} took longer than {self.read_timeout:.1f} s")
        return self._call(self._session.transmit, command.encode(), timeout=self.command_timeout)

    def _release(self) -> None:
        session, self._session = self._session, None
        if session is None or self._worker is None:
            return
        try:
            self._call(session.disconnect, timeout=self.command_timeout)
        except ReaderTimeoutError:
            log.warning("disconnecting from reader %s timed out", session.reader)
        except ReaderError as error:
            log.warning("disconnecting from reader %s failed: %s", session.reader, error)


class _Worker:
    """One daemon thread that runs submitted calls in order, so a blocked PC/SC call never delays interpreter exit."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pcsc-passport", daemon=True)
        self._thread.start()

    def submit(self, function: Callable[..., T], *arguments: Any) -> "concurrent.futures.Future[T]":
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._calls.put((future, function, arguments))
        return future

    def stop(self) -> None:
        """Let the thread end after the calls already submitted."""
        self._calls.put(None)

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            future, function, arguments = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*arguments))
            except BaseException as error:  # handed to the caller, which raises it on its own thread
                future.set_exception(error)


class _PcscSession:
    """One PC/SC context and card connection; every method runs on the reader's worker thread."""

    def __init__(self, reader_name: str | None, card_timeout: float) -> None:
        self.reader_name = reader_name
        self.card_timeout = card_timeout
        self.reader = ""
        self.context: Any = None
        self.card: Any = None
        self.protocol = 0

    def connect(self) -> bytes:
        """Establish a context, wait for a card, connect and begin a transaction; return the ATR."""
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if _code(hresult) in _NO_SERVICE:
            raise ReaderUnavailableError("the PC/SC service (pcscd) is not running")
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"cannot establish a PC/SC context: {_describe(hresult)}")
        self.context = context

        self.reader = self._find_reader()
        self._wait_for_card()

        hresult, card, protocol = scard.SCardConnect(
            self.context, self.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if _code(hresult) in _REMOVED:
            raise CardRemovedError(f"card left reader {self.reader} before it was connected")
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"cannot connect to the card in {self.reader}: {_describe(hresult)}")
        self.card, self.protocol = card, protocol

        # A transaction keeps other PC/SC clients from interleaving commands with this session.
        hresult = scard.SCardBeginTransaction(self.card)
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"cannot begin a transaction on {self.reader}: {_describe(hresult)}")

        hresult, _, _, _, atr = scard.SCardStatus(self.card)
        if _code(hresult) in _REMOVED:
            raise CardRemovedError(f"card left reader {self.reader} while it was connected")
        log.info("passport chip connected in %s", self.reader)
        return bytes(atr) if hresult == scard.SCARD_S_SUCCESS else b""

    def transmit(self, apdu: bytes) -> ResponseApdu:
        """Send one command APDU; raises :class:`CardRemovedError` when the card has left."""
        if self.card is None:
            raise ReaderError("no card is connected")
        hresult, response = scard.SCardTransmit(self.card, self.protocol, list(apdu))
        if _code(hresult) in _REMOVED:
            raise CardRemovedError(f"card left reader {self.reader} during the read")
        if hresult != scard.SCARD_S_SUCCESS or len(response) < 2:
            if self._card_left():
                raise CardRemovedError(f"card left reader {self.reader} during the read")
            if hresult != scard.SCARD_S_SUCCESS:
                raise ReaderError(f"transmit to {self.reader} failed: {_describe(hresult)}")
        return ResponseApdu.from_bytes(bytes(response))

    def disconnect(self) -> None:
        if self.card is not None:
            scard.SCardEndTransaction(self.card, scard.SCARD_LEAVE_CARD)
            # Resetting the card on disconnect ends its BAC session, so no later client can reuse it.
            scard.SCardDisconnect(self.card, scard.SCARD_RESET_CARD)
            self.card = None
        if self.context is not None:
            scard.SCardReleaseContext(self.context)
            self.context = None

    def _find_reader(self) -> str:
        hresult, readers = scard.SCardListReaders(self.context, [])
        if _code(hresult) == _code(scard.SCARD_E_NO_READERS_AVAILABLE) or (hresult == scard.SCARD_S_SUCCESS and not readers):
            raise ReaderUnavailableError("no PC/SC reader is connected")
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"cannot list PC/SC readers: {_describe(hresult)}")
        for name in readers:
            if self.reader_name is None or name.startswith(self.reader_name):
                return name
        raise ReaderUnavailableError(f"no PC/SC reader named {self.reader_name!r}; connected: {', '.join(readers)}")

    def _reader_state(self, known_state: int, timeout: float) -> int:
        """Return the reader's event state, waiting up to ``timeout`` s for it to differ from ``known_state``."""
        hresult, states = scard.SCardGetStatusChange(self.context, int(timeout * 1000), [(self.reader, known_state)])
        if _code(hresult) == _code(scard.SCARD_E_TIMEOUT):
            return known_state
        if hresult != scard.SCARD_S_SUCCESS:
            raise ReaderError(f"cannot get the state of {self.reader}: {_describe(hresult)}")
        return states[0][1] & ~scard.SCARD_STATE_CHANGED

    def _wait_for_card(self) -> None:
        deadline = time.monotonic() + self.card_timeout
        state = self._reader_state(scard.SCARD_STATE_UNAWARE, 0)
        while not state & scard.SCARD_STATE_PRESENT:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoCardError(f"no card on reader {self.reader} within {self.card_timeout:.1f} s")
            state = self._reader_state(state, remaining)

    def _card_left(self) -> bool:
        """Return whether the reader reports no card, waiting briefly for pcscd to poll it."""
        deadline = time.monotonic() + REMOVAL_GRACE_SECONDS
        state = self._reader_state(scard.SCARD_STATE_UNAWARE, 0)
        while not state & scard.SCARD_STATE_EMPTY:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            state = self._reader_state(state, remaining)
        return True
