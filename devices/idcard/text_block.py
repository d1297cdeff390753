"""Layout of the 256-byte text block of a resident ID card, as the reader returns it.

The block is UCS-2 little-endian, each field padded with spaces to a fixed width.
This module only splits and joins the block; what the fields mean (dates, codes,
check characters) is the kiosk's business.
"""

from dataclasses import dataclass

TEXT_BLOCK_SIZE = 256

# (field, width in bytes), in block order; the last 36 bytes are reserved.
RESIDENT_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex", 2),
    ("ethnicity", 4),
    ("birth_date", 16),
    ("address", 70),
    ("number", 36),
    ("issuing_authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
)
RESERVED_BYTES = TEXT_BLOCK_SIZE - sum(width for _, width in RESIDENT_LAYOUT)


@dataclass(frozen=True)
class ResidentTextFields:
    """The raw strings of a resident ID card's text block, padding removed."""

    name: str
    sex: str
    ethnicity: str
    birth_date: str
    address: str
    number: str
    issuing_authority: str
    valid_from: str
    valid_to: str


def decode_resident_text(block: bytes) -> ResidentTextFields:
    """Split a 256-byte block into fields.

    Raises ``ValueError`` when the block has the wrong size or is not valid UCS-2.
    """
    if len(block) != TEXT_BLOCK_SIZE:
        raise ValueError(f"text block is {len(block)} bytes, expected {TEXT_BLOCK_SIZE}")

    values: dict[str, str] = {}
    offset = 0
    for field, width in RESIDENT_LAYOUT:
        raw = block[offset : offset + width]
        values[field] = raw.decode("utf-16-le").rstrip(" \x00")
        offset += width
    return ResidentTextFields(**values)


def encode_resident_text(fields: ResidentTextFields) -> bytes:
    """Join fields into a 256-byte block; raises ``ValueError`` when a field is too long."""
    block = bytearray()
    for field, width in RESIDENT_LAYOUT:
        encoded = getattr(fields, field).encode("utf-16-le")
        if len(encoded) > width:
            raise ValueError(f"{field} needs {len(encoded)} bytes, the layout gives it {width}")
        block += encoded + " ".encode("utf-16-le") * ((width - len(encoded)) // 2)
    block += " ".encode("utf-16-le") * (RESERVED_BYTES // 2)
    return bytes(block)
