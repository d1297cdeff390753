"""BER-TLV as ICAO 9303 and ISO/IEC 7816-4 use it: tags of one or more bytes, definite lengths.

Every function raises :class:`TlvError` (a ``ValueError``) on malformed input, never an
``IndexError``, so parsers built on it fail with one type.
"""

from collections.abc import Iterator
from dataclasses import dataclass

MAX_LENGTH_BYTES = 4  # lengths up to 2**32 - 1; no LDS object comes near


class TlvError(ValueError):
    """The bytes are not well-formed BER-TLV."""


@dataclass(frozen=True)
class Tlv:
    """One data object: ``tag`` as an integer of its bytes (0x5F1F), ``value``, and where it ended."""

    tag: int
    value: bytes
    end: int  # offset just past this object in the buffer it was read from


def read_tag(data: bytes, offset: int) -> tuple[int, int]:
    """Return the tag starting at ``offset`` and the offset after it."""
    if offset >= len(data):
        raise TlvError(f"tag expected at offset {offset}, but the data ends")
    tag = data[offset]
    offset += 1
    if tag & 0x1F == 0x1F:
        # Subsequent tag bytes follow while their top bit is set.
        while True:
            if offset >= len(data):
                raise TlvError("multi-byte tag runs past the end of the data")
            tag = (tag << 8) | data[offset]
            offset += 1
            if not data[offset - 1] & 0x80:
                break
            if tag > 0xFFFFFFFF:
                raise TlvError("tag is longer than 4 bytes")
    return tag, offset


def read_length(data: bytes, offset: int) -> tuple[int, int]:
    """Return the definite length starting at ``offset`` (short or long form) and the offset after it."""
    if offset >= len(data):
        raise TlvError(f"length expected at offset {offset}, but the data ends")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset

    count = first & 0x7F
    if count == 0:
        raise TlvError("indefinite length is not allowed here")
    if count > MAX_LENGTH_BYTES:
        raise TlvError(f"length field of {count} bytes is too long")
    if offset + count > len(data):
        raise TlvError("length field runs past the end of the data")
    return int.from_bytes(data[offset : offset + count], "big"), offset + count


def read_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Return ``(tag, value_length, value_offset)`` of the object at ``offset`` without reading its value."""
    tag, offset = read_tag(data, offset)
    length, offset = read_length(data, offset)
    return tag, length, offset


def read_tlv(data: bytes, offset: int = 0) -> Tlv:
    """Return the whole object at ``offset``; raises :class:`TlvError` when its value is cut short."""
    tag, length, value_offset = read_header(data, offset)
    end = value_offset + length
    if end > len(data):
        raise TlvError(f"object with tag {tag:X} claims {length} bytes, only {len(data) - value_offset} remain")
    return Tlv(tag, bytes(data[value_offset:end]), end)


def iterate_tlv(data: bytes) -> Iterator[Tlv]:
    """Yield each object in ``data``, which must hold nothing else."""
    offset = 0
    while offset < len(data):
        item = read_tlv(data, offset)
        yield item
        offset = item.end


def find_tlv(data: bytes, tag: int) -> bytes:
    """Return the value of the first object with ``tag`` among those in ``data``; raises :class:`TlvError` if none."""
    for item in iterate_tlv(data):
        if item.tag == tag:
            return item.value
    raise TlvError(f"no object with tag {tag:X}")


def encode_length(length: int) -> bytes:
    """Return the DER encoding of ``length``."""
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    """Return ``tag``, the DER length of ``value``, and ``value``."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tag_bytes + encode_length(len(value)) + value


def decode_oid(value: bytes) -> str:
    """Return the dotted form of a DER object identifier's content bytes."""
    if not value or value[-1] & 0x80:
        raise TlvError("object identifier is empty or ends inside an arc")
    arcs: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(arc) for arc in head + arcs[1:])
