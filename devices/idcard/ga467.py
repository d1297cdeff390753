"""Frames, commands and status codes of the GA 467 SAM serial protocol.

A frame is the preamble ``AA AA AA 96 69``, a two-byte big-endian length, the body and
one checksum byte. The length counts the body and the checksum. The checksum is the XOR
of the two length bytes and every body byte. A request body is command, parameter and
data; a response body is SW1, SW2, SW3 (the status) and data.
"""

from dataclasses import dataclass
from enum import IntEnum

from devices.errors import CardReadError, CardRemovedError, FrameError, NoCardError, ReaderError

PREAMBLE = bytes.fromhex("AAAAAA9669")

# Longest body a reader sends: read with fingerprint data, 256 + 1024 + 1024 bytes
# of text, photo and fingerprints, six length bytes and three status bytes.
MAX_BODY_LENGTH = 2400


class Command(tuple):
    """A (command, parameter) pair as sent on the wire."""

    def __new__(cls, command: int, parameter: int):
        return super().__new__(cls, (command, parameter))

    @property
    def code(self) -> str:
        return f"{self[0]:02X} {self[1]:02X}"


RESET_SAM = Command(0x10, 0xFF)
SAM_STATUS = Command(0x11, 0xFF)
READ_SAM_ID = Command(0x12, 0xFF)
FIND_CARD = Command(0x20, 0x01)
SELECT_CARD = Command(0x20, 0x02)
READ_BASE_INFO = Command(0x30, 0x01)
# NOTE: the SAM_V protocol reprint cited at BAUDRATE_PARAMETERS lists 30 02 as "read
# appended information". This driver sends 30 03, which a real reader has yet to confirm.
READ_NEW_ADDRESS = Command(0x30, 0x03)
READ_BASE_INFO_WITH_FINGERPRINT = Command(0x30, 0x10)
SET_BAUDRATE = 0x60  # the parameter byte selects the rate, see BAUDRATE_PARAMETERS

# Parameter of the 60 xx command for each UART rate the SAM supports.
# Sources opened: the SAM_V protocol reprinted at blog.csdn.net/zhangbijun1230/article/
# details/85242964 lists "设置 UART 速率 0x60" and the five rates (115200 by default, 57600,
# 38400, 19200, 9600). The Syn_SetCOMBaud API notes at kancloud.cn/lianglhm36/a16d/170505
# give the same rates and a 5 ms pause after a successful change.
# NOTE: no source found gives the parameter table itself (表 23). These values number the
# rates from fastest to slowest, and a real reader has yet to confirm them.
BAUDRATE_PARAMETERS: dict[int, int] = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}

SAM_ID_SIZE = 16

# Width of the appended (endorsed) address, taken from the address field of the text
# block: 35 UCS-2 characters.
APPENDED_ADDRESS_SIZE = 70


class Status(IntEnum):
    """SW3 values a SAM returns (SW1 and SW2 are zero)."""

    SUCCESS = 0x90
    NO_CONTENT = 0x91
    FIND_CARD_SUCCESS = 0x9F
    FIND_CARD_FAILED = 0x80
    SELECT_CARD_FAILED = 0x81
    READ_CARD_FAILED = 0x41
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    UNAUTHORISED = 0x23
    UNRECOGNISED_COMMAND = 0x24
    CARD_AUTHENTICATING_SAM_FAILED = 0x31
    SAM_AUTHENTICATING_CARD_FAILED = 0x32
    INFORMATION_CHECK_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    RANDOM_NUMBER_FAILED = 0x47
    SAM_SELF_CHECK_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66


STATUS_DESCRIPTIONS: dict[Status, str] = {
    Status.SUCCESS: "success",
    Status.NO_CONTENT: "the card holds no content for this item",
    Status.FIND_CARD_SUCCESS: "card found",
    Status.FIND_CARD_FAILED: "no card found",
    Status.SELECT_CARD_FAILED: "card could not be selected",
    Status.READ_CARD_FAILED: "card read failed",
    Status.CHECKSUM_ERROR: "the reader received a request with a bad checksum",
    Status.LENGTH_ERROR: "the reader received a request with a bad length",
    Status.COMMAND_ERROR: "the reader rejected the command or its parameter",
    Status.UNAUTHORISED: "operation not authorised",
    Status.UNRECOGNISED_COMMAND: "the reader reported an unrecognised error",
    Status.CARD_AUTHENTICATING_SAM_FAILED: "the card failed to authenticate the SAM",
    Status.SAM_AUTHENTICATING_CARD_FAILED: "the SAM failed to authenticate the card",
    Status.INFORMATION_CHECK_FAILED: "the card's information failed verification",
    Status.UNKNOWN_CARD_TYPE: "unknown card type",
    Status.RANDOM_NUMBER_FAILED: "the SAM failed to get a random number from the card",
    Status.SAM_SELF_CHECK_FAILED: "SAM self-check failed",
    Status.SAM_NOT_AUTHORISED: "SAM not authorised",
}


def describe_status(sw3: int) -> str:
    """Return ``sw3`` as text for logs and errors, such as ``0x80 FIND_CARD_FAILED (no card found)``."""
    try:
        status = Status(sw3)
    except ValueError:
        return f"0x{sw3:02X} (unknown status)"
    return f"0x{sw3:02X} {status.name} ({STATUS_DESCRIPTIONS[status]})"


def error_for_status(command: Command, sw3: int, port: str) -> ReaderError:
    """Return the typed error for a response to ``command`` whose status was not expected.

    The caller raises it. No card gives :class:`NoCardError`, a failed select or read
    :class:`CardRemovedError` (the usual cause is a card lifted mid-read), a request the
    reader received corrupted :class:`FrameError`, and every other status, known or not,
    :class:`CardReadError`. The message names the port, the command and the status.
    """
    message = f"reader {port}: command {command.code} returned status {describe_status(sw3)}"
    if sw3 == Status.FIND_CARD_FAILED:
        return NoCardError(message)
    if sw3 in (Status.SELECT_CARD_FAILED, Status.READ_CARD_FAILED):
        return CardRemovedError(message)
    if sw3 in (Status.CHECKSUM_ERROR, Status.LENGTH_ERROR):
        return FrameError(message)
    return CardReadError(message)


@dataclass(frozen=True)
class Response:
    """A decoded response frame."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def status_name(self) -> str:
        try:
            return Status(self.sw3).name
        except ValueError:
            return f"UNKNOWN_{self.sw3:02X}"


def checksum(length_and_body: bytes) -> int:
    """Return the XOR of every byte, as the frame's last byte."""
    value = 0
    for byte in length_and_body:
        value ^= byte
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap ``body`` in preamble, length and checksum."""
    if len(body) + 1 > 0xFFFF:
        raise ValueError(f"frame body of {len(body)} bytes does not fit a two-byte length")
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def encode_request(command: Command, data: bytes = b"") -> bytes:
    """Encode a request frame: command, parameter, data."""
    return encode_frame(bytes(command) + data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """Encode a response frame: SW1, SW2, SW3, data."""
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


def decode_response_body(body: bytes) -> Response:
    """Split a checked response body into status bytes and data.

    Raises ``ValueError`` when the body is shorter than its three status bytes.
    """
    if len(body) < 3:
        raise ValueError(f"response body of {len(body)} bytes is shorter than its status")
    return Response(sw1=body[0], sw2=body[1], sw3=body[2], data=bytes(body[3:]))


def baudrate_command(baudrate: int) -> Command:
    """Return the ``60 xx`` command that switches the SAM to ``baudrate`` (bits per second).

    Raises ``ValueError`` naming the rate when the SAM does not support it.
    """
    try:
        return Command(SET_BAUDRATE, BAUDRATE_PARAMETERS[baudrate])
    except KeyError:
        supported = ", ".join(str(rate) for rate in BAUDRATE_PARAMETERS)
        raise ValueError(f"baud rate {baudrate} is not supported by GA 467 readers; use one of {supported}") from None


def baudrate_for_parameter(parameter: int) -> int:
    """Return the baud rate that a ``60 xx`` parameter selects; raises ``ValueError`` for an unknown one."""
    for baudrate, value in BAUDRATE_PARAMETERS.items():
        if value == parameter:
            return baudrate
    raise ValueError(f"baud rate parameter 0x{parameter:02X} is not defined")


def format_sam_id(sam_id: bytes) -> str:
    """Format the 16-byte SAM ID of a ``12 FF`` response as readers print it.

    The printed form is ``AA.BB-CCCCCCCC-DDDDDDDDD-EEEEEEEEE``: bytes 0 and 2 as two
    decimal digits, then three little-endian 32-bit numbers from bytes 4, 8 and 12, the
    last two padded to nine digits. Source opened: ``ExtractSafeModuleNumber`` of
    HslCommunication's ``SAMSerial`` class. Raises ``ValueError`` unless ``sam_id`` has 16 bytes.
    """
    if len(sam_id) != SAM_ID_SIZE:
        raise ValueError(f"SAM ID is {len(sam_id)} bytes, expected {SAM_ID_SIZE}")
    numbers = [int.from_bytes(sam_id[start : start + 4], "little") for start in (4, 8, 12)]
    return f"{sam_id[0]:02d}.{sam_id[2]:02d}-{numbers[0]}-{numbers[1]:09d}-{numbers[2]:09d}"


def decode_appended_address(data: bytes) -> str:
    """Decode the data of a ``30 03`` response: the address endorsed after issue.

    The data is UCS-2 little-endian padded with spaces. Raises ``ValueError`` when it
    has an odd length or is not valid UCS-2.
    """
    if len(data) % 2:
        raise ValueError(f"appended address of {len(data)} bytes is not UCS-2 (odd length)")
    return data.decode("utf-16-le").rstrip(" \x00")


def encode_appended_address(address: str) -> bytes:
    """Encode ``address`` as a ``30 03`` response carries it; raises ``ValueError`` when it is too long."""
    encoded = address.encode("utf-16-le")
    if len(encoded) > APPENDED_ADDRESS_SIZE:
        raise ValueError(f"appended address needs {len(encoded)} bytes, more than the {APPENDED_ADDRESS_SIZE} a card stores")
    return encoded + " ".encode("utf-16-le") * ((APPENDED_ADDRESS_SIZE - len(encoded)) // 2)


@dataclass(frozen=True)
class BaseInfo:
    """The data of a successful read: text block, photo and optional fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def decode_base_info(data: bytes, with_fingerprint: bool) -> BaseInfo:
    """Split the data of a ``30 01`` or ``30 10`` response.

    The data starts with big-endian lengths of text and photo (and fingerprints for
    ``30 10``), followed by the blocks in the same order. Raises ``ValueError`` when the
    header is missing or the lengths do not add up to the data.
    """
    header = 6 if with_fingerprint else 4
    if len(data) < header:
        raise ValueError(f"read response of {len(data)} bytes has no length header")

    text_length = int.from_bytes(data[0:2], "big")
    photo_length = int.from_bytes(data[2:4], "big")
    fingerprint_length = int.from_bytes(data[4:6], "big") if with_fingerprint else 0

    expected = header + text_length + photo_length + fingerprint_length
    if len(data) != expected:
        raise ValueError(f"read response is {len(data)} bytes, its lengths add up to {expected}")

    text_end = header + text_length
    photo_end = text_end + photo_length
    fingerprint = data[photo_end:] if with_fingerprint else None
    return BaseInfo(text=data[header:text_end], photo=data[text_end:photo_end], fingerprint=fingerprint)


def encode_base_info(info: BaseInfo) -> bytes:
    """Build the data of a ``30 01`` (no fingerprint) or ``30 10`` response."""
    lengths = len(info.text).to_bytes(2, "big") + len(info.photo).to_bytes(2, "big")
    if info.fingerprint is not None:
        lengths += len(info.fingerprint).to_bytes(2, "big")
    return lengths + info.text + info.photo + (info.fingerprint or b"")
