"""The eMRTD application and its elementary files: SELECT and READ BINARY in chunks.

Files are read with short READ BINARY commands, whose 15-bit offset reaches 32767, so
a file is read completely only when its last chunk starts at or below that offset.
"""

import enum
import logging
from collections.abc import Callable

from devices.passport.apdu import (
    SW_END_OF_FILE,
    SW_FILE_NOT_FOUND,
    SW_OK,
    CommandApdu,
    ResponseApdu,
)
from devices.passport.errors import ChipFileError, ChipFileNotFound, ChipProtocolError
from devices.passport.tlv import TlvError, read_header

log = logging.getLogger(__name__)

Transmit = Callable[[CommandApdu], ResponseApdu]

EMRTD_AID = bytes.fromhex("A0000002471001")
MAX_OFFSET = 0x7FFF
# 223 bytes of data, padded and wrapped in DO'87', DO'99' and DO'8E', fit a short
# response, as most readers expect. Up to 231 bytes still do: 232 padded bytes and the
# objects make 250 bytes, while 232 data bytes pad to 240 and overflow 256.
DEFAULT_CHUNK_SIZE = 0xDF
MAX_PROTECTED_CHUNK_SIZE = 0xE7
# The first read of a file is short, so small files cost one command and the header is always in it.
_HEADER_READ_SIZE = 8


class FileId(enum.IntEnum):
    CARD_ACCESS = 0x011C  # in the master file, read before access control
    COM = 0x011E
    SOD = 0x011D
    DG1 = 0x0101
    DG2 = 0x0102


def data_group_file_id(number: int) -> int:
    """Return the file identifier of data group ``number`` (1 to 16): 0x0101 to 0x0110."""
    if not 1 <= number <= 16:
        raise ValueError(f"data group {number} is outside 1..16")
    return 0x0100 + number


def select_application(transmit: Transmit) -> None:
    """SELECT the eMRTD application by its AID; raises :class:`ChipProtocolError` when the chip has none."""
    response = transmit(CommandApdu(0x00, 0xA4, 0x04, 0x0C, EMRTD_AID))
    if not response.ok:
        raise ChipProtocolError(f"SELECT of the eMRTD application returned {response.sw:04X}; not a passport chip")


def read_file(transmit: Transmit, file_id: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes:
    """SELECT the file ``file_id`` and READ BINARY all of it, ``chunk_size`` bytes (1 to 256) at a time.

    The length comes from the BER-TLV header at the start of the file (short or long
    form). Raises :class:`ChipFileNotFound` when the chip has no such file, and
    :class:`ChipFileError` when the header is malformed, the file would need offsets
    beyond 32767, or the chip stops returning data.
    """
    response = transmit(CommandApdu(0x00, 0xA4, 0x02, 0x0C, file_id.to_bytes(2, "big")))
    if response.sw == SW_FILE_NOT_FOUND:
        raise ChipFileNotFound(f"file {file_id:04X} not found")
    if not response.ok:
        raise ChipFileError(f"SELECT of file {file_id:04X} returned {response.sw:04X}")

    content = _read_binary(transmit, file_id, 0, min(_HEADER_READ_SIZE, chunk_size))
    try:
        _, value_length, value_offset = read_header(content)
    except TlvError as error:
        raise ChipFileError(f"file {file_id:04X} does not start with a BER-TLV header: {error}") from error
    total = value_offset + value_length

    if total - min(chunk_size, total) > MAX_OFFSET:
        # TODO: files this long need READ BINARY with odd INS (B1) and an offset data object (ISO/IEC 7816-4).
        raise ChipFileError(f"file {file_id:04X} has {total} bytes; offsets above {MAX_OFFSET} are not supported")
    while len(content) < total:
        offset = len(content)
        if offset > MAX_OFFSET:
            # Chunks need not end on MAX_OFFSET, so the last one can start beyond it. Read
            # the tail again from the last offset READ BINARY can address; the check
            # above keeps it within one chunk.
            content = content[:MAX_OFFSET] + _read_binary(transmit, file_id, MAX_OFFSET, total - MAX_OFFSET)
            break
        wanted = min(chunk_size, total - offset)
        content += _read_binary(transmit, file_id, offset, wanted)

    log.debug("file %04X read: %d bytes", file_id, total)
    return content[:total]


def _read_binary(transmit: Transmit, file_id: int, offset: int, length: int) -> bytes:
    if offset > MAX_OFFSET:
        raise ChipFileError(f"offset {offset} in file {file_id:04X} is beyond {MAX_OFFSET}")
    response = transmit(CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length))
    if response.sw not in (SW_OK, SW_END_OF_FILE):
        raise ChipFileError(f"READ BINARY of file {file_id:04X} at offset {offset} returned {response.sw:04X}")
    if not response.data:
        raise ChipFileError(f"READ BINARY of file {file_id:04X} at offset {offset} returned no data")
    if len(response.data) > length:
        raise ChipFileError(f"READ BINARY of file {file_id:04X} returned {len(response.data)} bytes, asked for {length}")
    return response.data
