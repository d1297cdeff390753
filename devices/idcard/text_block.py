"""Layouts of the 256-byte text block that GA 467 readers return, one per card type.

The block is UCS-2 little-endian, each field padded with spaces to a fixed width. The
character at byte offset 248 is the card-type flag. It is "J" for the Hong Kong, Macao
and Taiwan residents' residence permit, "I" for the 2017 foreigners' permanent
residence card and "Y" for its 2023 version. The resident ID card has a space there.
Field widths follow the card issuers' machine-readable layouts as reader vendors
publish them in their SDK headers. This module only splits and joins the block; what
the fields mean (dates, codes, check characters) is the kiosk's business.
"""

import enum
from dataclasses import asdict, dataclass, fields

TEXT_BLOCK_SIZE = 256
CARD_TYPE_OFFSET = 248


class CardType(enum.Enum):
    RESIDENT = "resident"
    HMT_PERMIT = "hmt_permit"
    FOREIGN_PR_2017 = "foreign_pr_2017"
    FOREIGN_PR_2023 = "foreign_pr_2023"


CARD_TYPE_FLAGS: dict[str, CardType] = {
    " ": CardType.RESIDENT,
    "\x00": CardType.RESIDENT,
    "J": CardType.HMT_PERMIT,
    "I": CardType.FOREIGN_PR_2017,
    "Y": CardType.FOREIGN_PR_2023,
}


class UnknownCardType(ValueError):
    """The card-type flag names no layout that this software supports."""

    def __init__(self, flag: str) -> None:
        super().__init__(f"card-type flag {flag!r} (U+{ord(flag):04X}) names no known layout")
        self.flag = flag


# (field, width in bytes) in block order; names starting with "reserved" are padding.
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
    ("reserved", 36),
)
HMT_PERMIT_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex", 2),
    ("reserved_1", 4),
    ("birth_date", 16),
    ("address", 70),
    ("number", 36),
    ("issuing_authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("pass_number", 18),
    ("issue_count", 4),
    ("reserved_2", 6),
    ("card_type", 2),
    ("reserved_3", 6),
)
FOREIGN_PR_2017_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name_en", 120),
    ("sex", 2),
    ("number", 30),
    ("nationality", 6),
    ("name", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("birth_date", 16),
    ("card_version", 4),
    ("authority_code", 8),
    ("card_type", 2),
    ("reserved", 6),
)
FOREIGN_PR_2023_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex", 2),
    ("renewal_count", 4),
    ("birth_date", 16),
    ("name_en", 70),
    ("number", 36),
    ("reserved", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("name_en_continued", 22),
    ("nationality", 6),
    ("card_type", 2),
    ("previous_number_link", 6),
)


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


@dataclass(frozen=True)
class HmtPermitTextFields:
    """The raw strings of a Hong Kong, Macao and Taiwan residents' residence permit."""

    name: str
    sex: str
    birth_date: str
    address: str
    number: str
    issuing_authority: str
    valid_from: str
    valid_to: str
    pass_number: str
    issue_count: str
    card_type: str = "J"


@dataclass(frozen=True)
class ForeignPr2017TextFields:
    """The raw strings of a 2017 foreigners' permanent residence card (15-character number)."""

    name_en: str
    sex: str
    number: str
    nationality: str
    name: str
    valid_from: str
    valid_to: str
    birth_date: str
    card_version: str
    authority_code: str
    card_type: str = "I"


@dataclass(frozen=True)
class ForeignPr2023TextFields:
    """The raw strings of a 2023 foreigners' permanent residence card (18-character number).

    The English name is split over two fields, ``name_en`` (up to 35 characters) and
    ``name_en_continued`` (characters 36 to 46).
    """

    name: str
    sex: str
    renewal_count: str
    birth_date: str
    name_en: str
    number: str
    valid_from: str
    valid_to: str
    name_en_continued: str
    nationality: str
    previous_number_link: str
    card_type: str = "Y"


TextFields = ResidentTextFields | HmtPermitTextFields | ForeignPr2017TextFields | ForeignPr2023TextFields

_LAYOUTS: dict[CardType, tuple[tuple[tuple[str, int], ...], type]] = {
    CardType.RESIDENT: (RESIDENT_LAYOUT, ResidentTextFields),
    CardType.HMT_PERMIT: (HMT_PERMIT_LAYOUT, HmtPermitTextFields),
    CardType.FOREIGN_PR_2017: (FOREIGN_PR_2017_LAYOUT, ForeignPr2017TextFields),
    CardType.FOREIGN_PR_2023: (FOREIGN_PR_2023_LAYOUT, ForeignPr2023TextFields),
}


def _check_size(block: bytes) -> None:
    if len(block) != TEXT_BLOCK_SIZE:
        raise ValueError(f"text block is {len(block)} bytes, expected {TEXT_BLOCK_SIZE}")


def card_type_of(block: bytes) -> CardType:
    """Return the card type the flag at offset 248 names.

    Raises ``ValueError`` for a block of the wrong size or with invalid UCS-2 there, and
    :class:`UnknownCardType` for a flag no layout uses, which is never guessed.
    """
    _check_size(block)
    try:
        flag = block[CARD_TYPE_OFFSET : CARD_TYPE_OFFSET + 2].decode("utf-16-le")
    except UnicodeDecodeError as error:
        raise ValueError(f"card-type flag is not UCS-2: {error}") from error
    try:
        return CARD_TYPE_FLAGS[flag]
    except KeyError:
        raise UnknownCardType(flag) from None


def _split(block: bytes, layout: tuple[tuple[str, int], ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    offset = 0
    for field, width in layout:
        raw = block[offset : offset + width]
        try:
            values[field] = raw.decode("utf-16-le").rstrip(" \x00")
        except UnicodeDecodeError as error:
            raise ValueError(f"field {field} at byte {offset} is not UCS-2: {error}") from error
        offset += width
    return values


def decode_text_block(block: bytes) -> TextFields:
    """Split a block by the layout its card-type flag names.

    Raises ``ValueError`` (or its subclass :class:`UnknownCardType`) when the block
    cannot be split.
    """
    layout, fields_type = _LAYOUTS[card_type_of(block)]
    values = _split(block, layout)
    names = {field.name for field in fields(fields_type)}
    return fields_type(**{name: value for name, value in values.items() if name in names})


def encode_text_block(text_fields: TextFields) -> bytes:
    """Join fields into a 256-byte block with the right card-type flag.

    Raises ``ValueError`` when a field is too long for its width.
    """
    card_type = {fields_type: card_type for card_type, (_, fields_type) in _LAYOUTS.items()}[type(text_fields)]
    layout, _ = _LAYOUTS[card_type]
    values = asdict(text_fields)

    block = bytearray()
    for field, width in layout:
        encoded = str(values.get(field, "")).encode("utf-16-le")
        if len(encoded) > width:
            raise ValueError(f"{field} needs {len(encoded)} bytes, the layout gives it {width}")
        block += encoded + " ".encode("utf-16-le") * ((width - len(encoded)) // 2)
    assert len(block) == TEXT_BLOCK_SIZE
    return bytes(block)


def decode_resident_text(block: bytes) -> ResidentTextFields:
    """Split a resident ID card's block; raises ``ValueError`` for any other card type."""
    text_fields = decode_text_block(block)
    if not isinstance(text_fields, ResidentTextFields):
        raise ValueError(f"text block is a {card_type_of(block).value} card, not a resident ID card")
    return text_fields


def encode_resident_text(text_fields: ResidentTextFields) -> bytes:
    """Join a resident ID card's fields into a block; raises ``ValueError`` when a field is too long."""
    return encode_text_block(text_fields)


# Every layout must fill the block exactly and put its flag at the same offset.
for _layout, _ in _LAYOUTS.values():
    assert sum(width for _, width in _layout) == TEXT_BLOCK_SIZE, _layout
    if any(name == "card_type" for name, _ in _layout):
        assert sum(width for name, width in _layout[: [n for n, _ in _layout].index("card_type")]) == CARD_TYPE_OFFSET
