"""Reading GA 467 frames from a byte stream, with resynchronisation on line noise.

Both the reader driver and the simulator read frames this way: skip bytes until the
preamble appears, read the length, read the body and check the XOR checksum.
"""

import logging
import time
from typing import Protocol

from devices.errors import FrameError, ReaderTimeoutError
from devices.idcard.ga467 import MAX_BODY_LENGTH, PREAMBLE, checksum

log = logging.getLogger(__name__)


class ByteStream(Protocol):
    """The part of ``serial.Serial`` that framing needs."""

    timeout: float | None

    def read(self, size: int = 1) -> bytes: ...


def read_exactly(stream: ByteStream, size: int, deadline: float) -> bytes:
    """Read ``size`` bytes before ``deadline`` (a ``time.monotonic`` value).

    Raises :class:`ReaderTimeoutError` when the deadline passes first.
    """
    chunks = bytearray()
    while len(chunks) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReaderTimeoutError(f"timed out with {len(chunks)} of {size} bytes received")
        stream.timeout = min(remaining, 0.2)
        chunks += stream.read(size - len(chunks))
    return bytes(chunks)


def read_frame(stream: ByteStream, deadline: float, seconds_per_byte: float = 0.0) -> bytes:
    """Read one frame and return its body (without length and checksum).

    Bytes before the preamble are skipped and counted in the log. Once the length is
    known, the deadline moves by the time that many bytes take on the line, which is
    ``seconds_per_byte`` each (10 / baud rate on a serial link). So a long response at a
    low baud rate is not cut short. Raises :class:`FrameError` on an impossible length
    or a bad checksum, and :class:`ReaderTimeoutError` when the deadline passes.
    """
    skipped = 0
    window = b""
    while window != PREAMBLE:
        byte = read_exactly(stream, 1, deadline)
        window = (window + byte)[-len(PREAMBLE):]
        skipped += 1
    skipped -= len(PREAMBLE)
    if skipped:
        log.warning("skipped %d bytes of line noise before a frame preamble", skipped)

    length_bytes = read_exactly(stream, 2, deadline)
    length = int.from_bytes(length_bytes, "big")
    if length < 2 or length > MAX_BODY_LENGTH + 1:
        raise FrameError(f"frame length {length} is outside 2..{MAX_BODY_LENGTH + 1}")

    deadline += length * seconds_per_byte
    rest = read_exactly(stream, length, deadline)
    body, received_checksum = rest[:-1], rest[-1]
    expected_checksum = checksum(length_bytes + body)
    if received_checksum != expected_checksum:
        raise FrameError(
            f"frame checksum {received_checksum:02X} differs from computed {expected_checksum:02X}"
        )
    return body
