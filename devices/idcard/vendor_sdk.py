"""Readers driven through their vendor's shared library, which also decodes the photo.

Many branches own readers whose vendor library (``.so`` or ``.dll``) opens the port,
finds and reads the card, and turns the WLT photo into a BMP. :class:`VendorSdkReader`
loads such a library with ``ctypes`` and calls the functions that branch configuration
names, all with one C shape that docs/vendor-sdk-readers.md describes:

    int open(int port);                         int find(int port);
    int select(int port);                       int close(int port);
    int read(int port, unsigned char *text, unsigned int *text_len,
             unsigned char *wlt, unsigned int *wlt_len);
    int photo(int port, unsigned char *bmp, unsigned int *bmp_len);

Each ``*_len`` contains the buffer size on entry and the byte count on return. The photo
comes from ``photo`` or from a BMP file that ``read`` writes (``photo_file``). Return
codes map to outcomes through configuration, and each outcome to a typed error.
"""

import ctypes
import enum
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devices.errors import (
    CardReadError,
    CardRemovedError,
    NoCardError,
    PhotoDecodeError,
    ReaderError,
    ReaderLibraryError,
    ReaderTimeoutError,
    ReaderUnavailableError,
)
from devices.idcard.reader import CardRead
from devices.idcard.text_block import TEXT_BLOCK_SIZE
from devices.ownership import ThreadOwner

log = logging.getLogger(__name__)

# Buffer sizes offered to the library. A 102 x 126 24-bit BMP is 38,862 bytes; the
# photo buffer leaves room for vendors that return larger or 32-bit images.
TEXT_BUFFER_SIZE = 1024
WLT_BUFFER_SIZE = 4096
PHOTO_BUFFER_SIZE = 512 * 1024

BMP_HEADER_SIZE = 54


class Outcome(enum.Enum):
    """Meaning of a return code of the vendor library."""

    OK = "ok"
    NO_CARD = "no_card"
    CARD_REMOVED = "card_removed"
    TIMEOUT = "timeout"
    READ_FAILED = "read_failed"
    UNAVAILABLE = "unavailable"


# Codes of SDT-style libraries (SDT_OpenPort, SDT_ReadBaseMsg and their kin). Their API
# notes (blog.csdn.net/zisongjia/article/details/60127204) give 0x90 for success, 0x01
# for a port that cannot be opened and 0x02 for a timeout. The card statuses are the
# SAM's own: 0x9F found, 0x80 no card, 0x81 select failed, 0x41 read failed.
DEFAULT_RETURN_CODES: Mapping[int, Outcome] = {
    0x90: Outcome.OK,
    0x9F: Outcome.OK,
    0x80: Outcome.NO_CARD,
    0x81: Outcome.CARD_REMOVED,
    0x41: Outcome.CARD_REMOVED,
    0x01: Outcome.UNAVAILABLE,
    0x02: Outcome.TIMEOUT,
}

_OUTCOME_ERRORS: dict[Outcome, type[ReaderError]] = {
    Outcome.NO_CARD: NoCardError,
    Outcome.CARD_REMOVED: CardRemovedError,
    Outcome.TIMEOUT: ReaderTimeoutError,
    Outcome.READ_FAILED: CardReadError,
    Outcome.UNAVAILABLE: ReaderUnavailableError,
}

_PORT_FUNCTION = ([ctypes.c_int], ctypes.c_int)
_BUFFER = ctypes.POINTER(ctypes.c_ubyte)
_LENGTH = ctypes.POINTER(ctypes.c_uint)
_PROTOTYPES = {
    "open": _PORT_FUNCTION,
    "find": _PORT_FUNCTION,
    "select": _PORT_FUNCTION,
    "close": _PORT_FUNCTION,
    "read": ([ctypes.c_int, _BUFFER, _LENGTH, _BUFFER, _LENGTH], ctypes.c_int),
    "photo": ([ctypes.c_int, _BUFFER, _LENGTH], ctypes.c_int),
}


@dataclass(frozen=True)
class SdkFunctions:
    """Names of the library's exported functions; an empty name skips that step."""

    open: str
    read: str
    find: str = ""
    select: str = ""
    photo: str = ""
    close: str = ""

    def named(self) -> dict[str, str]:
        """Return {role: exported name} for every configured function."""
        roles = ("open", "find", "select", "read", "photo", "close")
        return {role: getattr(self, role) for role in roles if getattr(self, role)}


@dataclass(frozen=True)
class VendorSdkConfig:
    """Branch configuration of a vendor-library reader.

    ``library`` is the shared library and ``port`` the vendor's port number, such as
    1001 for the first USB reader. ``photo_file`` is the BMP that ``read`` writes when
    the library has no ``photo`` function. ``return_codes`` maps every code the library
    returns to an :class:`Outcome`. ``calling_convention`` is "cdecl", or "stdcall" for
    32-bit Windows DLLs. Raises ``ValueError`` for an inconsistent combination.
    """

    library: Path
    functions: SdkFunctions
    port: int = 1001
    photo_file: Path | None = None
    return_codes: Mapping[int, Outcome] = field(default_factory=lambda: dict(DEFAULT_RETURN_CODES))
    calling_convention: str = "cdecl"

    def __post_init__(self) -> None:
        if bool(self.functions.photo) == (self.photo_file is not None):
            raise ValueError("a vendor SDK reader needs exactly one of functions.photo and photo_file")
        if self.calling_convention not in ("cdecl", "stdcall"):
            raise ValueError(f"calling convention {self.calling_convention!r} is neither 'cdecl' nor 'stdcall'")
        if Outcome.OK not in self.return_codes.values():
            raise ValueError("return_codes maps no code to 'ok', so no call could succeed")

    @classmethod
    def from_table(cls, table: Mapping[str, object], home: Path) -> "VendorSdkConfig":
        """Build the configuration from a ``[reader.vendor_sdk]`` TOML table.

        Relative paths are taken from ``home``. Return-code keys are strings such as
        "0x90" or "144". Raises ``ValueError`` naming the key and the value that are wrong.
        """
        known = {"library", "port", "functions", "photo_file", "return_codes", "calling_convention"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ValueError(f"unknown key reader.vendor_sdk.{unknown[0]}; known keys: {', '.join(sorted(known))}")

        library = _table_path(table.get("library"), home, "reader.vendor_sdk.library")
        photo_file = table.get("photo_file")
        port = table.get("port", 1001)
        if not isinstance(port, int) or isinstance(port, bool):
            raise ValueError(f"reader.vendor_sdk.port must be an integer such as 1001, not {port!r}")

        functions = table.get("functions")
        if not isinstance(functions, Mapping):
            raise ValueError("reader.vendor_sdk.functions must be a table of function names, such as { open = \"SDT_OpenPort\", ... }")
        unknown_roles = sorted(set(functions) - set(_PROTOTYPES))
        if unknown_roles:
            raise ValueError(f"unknown function role reader.vendor_sdk.functions.{unknown_roles[0]}; roles: {', '.join(_PROTOTYPES)}")
        for role, name in functions.items():
            if not isinstance(name, str):
                raise ValueError(f"reader.vendor_sdk.functions.{role} must be a function name, not {name!r}")
        for role in ("open", "read"):
            if not functions.get(role):
                raise ValueError(f"reader.vendor_sdk.functions.{role} is missing")

        return_codes = dict(DEFAULT_RETURN_CODES)
        for key, value in dict(table.get("return_codes", {})).items():
            try:
                return_codes[int(str(key), 0)] = Outcome(value)
            except ValueError:
                outcomes = ", ".join(outcome.value for outcome in Outcome)
                raise ValueError(
                    f"reader.vendor_sdk.return_codes: {key!r} = {value!r} is not a code (such as \"0x90\") "
                    f"mapped to one of {outcomes}"
                ) from None

        return cls(
            library=library,
            functions=SdkFunctions(**functions),
            port=port,
            photo_file=_table_path(photo_file, home, "reader.vendor_sdk.photo_file") if photo_file is not None else None,
            return_codes=return_codes,
            calling_convention=str(table.get("calling_convention", "cdecl")),
        )


def _table_path(value: object, home: Path, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a path, not {value!r}")
    path = Path(value)
    return path if path.is_absolute() else home / path


def load_library(config: VendorSdkConfig) -> dict[str, ctypes._CFuncPtr]:
    """Load the library and return its configured functions by role, prototypes set.

    Nothing in the library is called. Raises :class:`ReaderLibraryError` naming the
    library, and the function when one is missing. Start-up code may call this to fail
    early; :class:`VendorSdkReader` calls it on its owner thread.
    """
    if config.calling_convention == "stdcall" and sys.platform != "win32":
        raise ReaderLibraryError(f"reader library {config.library}: the stdcall convention exists only on Windows")
    loader = ctypes.WinDLL if config.calling_convention == "stdcall" else ctypes.CDLL  # type: ignore[attr-defined]

    try:
        library = loader(str(config.library))
    except OSError as error:
        raise ReaderLibraryError(f"cannot load reader library {config.library}: {error}") from error

    functions = {}
    for role, name in config.functions.named().items():
        try:
            function = getattr(library, name)
        except AttributeError:
            raise ReaderLibraryError(
                f"reader library {config.library} has no function {name} (configured as functions.{role})"
            ) from None
        function.argtypes, function.restype = _PROTOTYPES[role]
        functions[role] = function
    return functions


def check_bmp(data: bytes, source: str) -> bytes:
    """Return the BMP file in ``data``, cut to the size its header declares.

    Raises :class:`PhotoDecodeError` naming ``source`` when ``data`` is no BMP file or
    is shorter than its header declares.
    """
    if len(data) < BMP_HEADER_SIZE or not data.startswith(b"BM"):
        raise PhotoDecodeError(f"{source} is not a BMP file ({len(data)} bytes, starting {data[:2].hex() or 'empty'})")
    declared = int.from_bytes(data[2:6], "little")
    if declared > len(data):
        raise PhotoDecodeError(f"{source} is {len(data)} bytes, its BMP header declares {declared}")
    return data[:declared] if declared >= BMP_HEADER_SIZE else data


class VendorSdkReader:
    """An :class:`devices.idcard.reader.IdCardReader` on top of a vendor's shared library.

    The library is loaded, and the port opened, on the first :meth:`read_card`. Every
    call into the library runs on the thread that first used the reader; another thread
    gets ``RuntimeError``. A code mapped to "unavailable" closes the port, and the next
    read opens it again, so a reader unplugged and plugged back in works without a
    restart. ``CardRead.photo_image`` carries the BMP the library decoded, and
    ``CardRead.photo`` the WLT block when the library returns one (else it is empty).

    NOTE: a library call that never returns blocks the owner thread. The vendor's own
    timeout is the only bound on it.
    """

    def __init__(self, config: VendorSdkConfig) -> None:
        self.config = config
        self._functions: dict[str, ctypes._CFuncPtr] | None = None
        self._opened = False
        self._owner = ThreadOwner(f"vendor ID-card reader {config.library.name} port {config.port}")

    def read_card(self) -> CardRead:
        """Open if needed, find, select, read the card and fetch the decoded photo.

        Raises :class:`NoCardError`, :class:`CardRemovedError`, :class:`ReaderTimeoutError`,
        :class:`CardReadError` or :class:`ReaderUnavailableError` as the return codes map,
        :class:`ReaderLibraryError` when the library or a function is missing, and
        :class:`PhotoDecodeError` when the photo is not a BMP file.
        """
        self._owner.check()
        functions = self._load()
        if not self._opened:
            self._call("open")
            self._opened = True
            log.info("vendor reader %s: port %d opened", self.config.library.name, self.config.port)

        if self.config.photo_file is not None:
            # Never hand the previous customer's photo to this one.
            self.config.photo_file.unlink(missing_ok=True)
        if "find" in functions:
            self._call("find")
        if "select" in functions:
            self._call("select")

        text, wlt = self._read_content()
        photo_image = self._read_photo()
        return CardRead(text=text, photo=wlt, photo_image=photo_image)

    def close(self) -> None:
        """Close the vendor port, when it is open, from the owner thread.

        Called from another thread it only logs, because the library must not be used
        from two threads. The port then stays open until the process ends.
        """
        if not self._opened:
            return
        try:
            self._owner.check()
        except RuntimeError as error:
            log.warning("vendor reader %s: port %d not closed: %s", self.config.library.name, self.config.port, error)
            return
        self._close_port()

    def _load(self) -> dict[str, ctypes._CFuncPtr]:
        if self._functions is None:
            try:
                self._functions = load_library(self.config)
            except ReaderLibraryError as error:
                log.error("vendor reader port %d: %s", self.config.port, error)
                raise
            log.info("vendor reader library %s loaded", self.config.library)
        return self._functions

    def _close_port(self) -> None:
        self._opened = False
        close = (self._functions or {}).get("close")
        if close is None:
            return
        code = close(self.config.port)
        if self.config.return_codes.get(code) is not Outcome.OK:
            log.warning("vendor reader %s: %s returned %d (0x%02X) on close", self.config.library.name, self.config.functions.close, code, code & 0xFF)

    def _call(self, role: str, *buffers: object) -> None:
        """Call the function in ``role`` with the port and ``buffers``; raise the typed error its code maps to."""
        assert self._functions is not None
        code = self._functions[role](self.config.port, *buffers)
        self._check(role, code)

    def _check(self, role: str, code: int) -> None:
        outcome = self.config.return_codes.get(code)
        if outcome is Outcome.OK:
            return

        name = getattr(self.config.functions, role)
        meaning = outcome.value if outcome is not None else "a code missing from return_codes"
        message = (
            f"vendor reader {self.config.library.name} port {self.config.port}: "
            f"{name} returned {code} (0x{code & 0xFFFFFFFF:02X}): {meaning}"
        )
        if outcome is Outcome.NO_CARD:
            log.info("%s", message)
        else:
            log.warning("%s", message)
        if outcome is Outcome.UNAVAILABLE:
            self._close_port()
        error_type = _OUTCOME_ERRORS[outcome] if outcome is not None else CardReadError
        raise error_type(message)

    def _read_content(self) -> tuple[bytes, bytes]:
        text = (ctypes.c_ubyte * TEXT_BUFFER_SIZE)()
        text_length = ctypes.c_uint(TEXT_BUFFER_SIZE)
        wlt = (ctypes.c_ubyte * WLT_BUFFER_SIZE)()
        wlt_length = ctypes.c_uint(WLT_BUFFER_SIZE)
        self._call("read", text, ctypes.byref(text_length), wlt, ctypes.byref(wlt_length))

        name = self.config.functions.read
        self._check_length(name, "text", text_length.value, TEXT_BUFFER_SIZE)
        self._check_length(name, "WLT", wlt_length.value, WLT_BUFFER_SIZE)
        if text_length.value != TEXT_BLOCK_SIZE:
            message = f"vendor reader {self.config.library.name}: {name} returned {text_length.value} bytes of text, expected {TEXT_BLOCK_SIZE}"
            log.warning("%s", message)
            raise CardReadError(message)
        return bytes(text[: text_length.value]), bytes(wlt[: wlt_length.value])

    def _read_photo(self) -> bytes:
        if self.config.photo_file is not None:
            path = self.config.photo_file
            try:
                data = path.read_bytes()
            except OSError as error:
                message = f"vendor reader {self.config.library.name}: photo file {path} cannot be read: {error.strerror}"
                log.warning("%s", message)
                raise PhotoDecodeError(message) from error
            finally:
                path.unlink(missing_ok=True)
            return check_bmp(data, f"photo file {path}")

        bmp = (ctypes.c_ubyte * PHOTO_BUFFER_SIZE)()
        bmp_length = ctypes.c_uint(PHOTO_BUFFER_SIZE)
        self._call("photo", bmp, ctypes.byref(bmp_length))
        name = self.config.functions.photo
        self._check_length(name, "photo", bmp_length.value, PHOTO_BUFFER_SIZE)
        return check_bmp(bytes(bmp[: bmp_length.value]), f"photo from {name}")

    def _check_length(self, function: str, what: str, length: int, buffer_size: int) -> None:
        if length > buffer_size:
            message = f"vendor reader {self.config.library.name}: {function} returned {length} bytes of {what}, more than its {buffer_size}-byte buffer"
            log.warning("%s", message)
            raise CardReadError(message)
