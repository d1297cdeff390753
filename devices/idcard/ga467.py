"""Frames, commands and status codes of the GA 467 SAM serial protocol.

A frame is the preamble ``AA AA AA 96 69``, a two-byte big-endian length, the body and
one checksum byte. The length counts the body and the checksum. The checksum is the XOR
of the two length bytes and every body byte. A request body is command, parameter and
data; a response body is SW1, SW2, SW3 (the status) and data.
"""

from dataclasses import dataclass
from enum import IntEnum

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
READ_NEW_ADDRESS = Command(0x30, 0x03)
READ_BASE_INFO_WITH_FINGERPRINT = Command(0x30, 0x10)


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
    UNKNOWN_CARD_TYPE = 0x40
    SAM_SELF_CHECK_FAILED = 0x60


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
    """Split a checked response body into status bytes and data."""
    if len(body) < 3:
        raise ValueError(f"response body of {len(body)} bytes is shorter than its status")
    return Response(sw1=body[0], sw2=body[1], sw3=body[2], data=bytes(body[3:]))


@dataclass(frozen=True)
class BaseInfo:
    """The data of a successful read: text block, photo and optional fingerprints."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None


def decode_base_info(data: bytes, with_fingerprint: bool) -> BaseInfo:
    """Split the data of a ``30 01`` or ``30 10`` response.

    The data starts with big-endian lengths of text and photo (and fingerprints for
    ``30 10``), followed by the blocks in the same order.
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
