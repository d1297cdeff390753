"""EF.COM and DG1 of the logical data structure (ICAO 9303 part 10)."""

import logging
from dataclasses import dataclass
from datetime import date

from devices.passport.tlv import TlvError, find_tlv, iterate_tlv, read_tlv
from kiosk.identity.mrz import MrzResult, parse_mrz, split_mrz_lines
from kiosk.identity.passport.errors import DataGroupError

log = logging.getLogger(__name__)

TAG_COM = 0x60
TAG_DG1 = 0x61
TAG_MRZ = 0x5F1F
TAG_LDS_VERSION = 0x5F01
TAG_UNICODE_VERSION = 0x5F36
TAG_TAG_LIST = 0x5C

# The tag each data group's file starts with, from EF.COM's tag list (ICAO 9303 part 10, table 34).
DATA_GROUP_TAGS = {
    0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
    0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}


@dataclass(frozen=True)
class Com:
    """EF.COM: the LDS and Unicode versions and the data groups the chip lists as present."""

    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def parse_com(data: bytes) -> Com:
    """Parse EF.COM (tag 60); raises :class:`DataGroupError` when it is malformed."""
    try:
        outer = read_tlv(data)
        if outer.tag != TAG_COM:
            raise DataGroupError(f"EF.COM starts with tag {outer.tag:X}, expected 60")
        objects = {item.tag: item.value for item in iterate_tlv(outer.value)}
    except TlvError as error:
        raise DataGroupError(f"EF.COM is not well-formed BER-TLV: {error}") from error

    if TAG_TAG_LIST not in objects:
        raise DataGroupError("EF.COM has no tag list (5C)")
    unknown = [tag for tag in objects[TAG_TAG_LIST] if tag not in DATA_GROUP_TAGS]
    if unknown:
        raise DataGroupError(f"EF.COM lists unknown data group tags {', '.join(f'{tag:02X}' for tag in unknown)}")
    return Com(
        lds_version=objects.get(TAG_LDS_VERSION, b"").decode("ascii", "replace"),
        unicode_version=objects.get(TAG_UNICODE_VERSION, b"").decode("ascii", "replace"),
        data_groups=tuple(DATA_GROUP_TAGS[tag] for tag in objects[TAG_TAG_LIST]),
    )


def parse_dg1(data: bytes, today: date | None = None) -> MrzResult:
    """Parse and check the MRZ in DG1 (tag 61, then 5F1F).

    The MRZ is stored without line breaks: 90 characters for TD1, 72 for TD2, 88 for
    TD3. The result may list MRZ errors, as a printed MRZ's would. Raises
    :class:`DataGroupError` when DG1 is not well-formed, or its MRZ is not ASCII or
    not of one of those lengths.
    """
    try:
        outer = read_tlv(data)
        if outer.tag != TAG_DG1:
            raise DataGroupError(f"DG1 starts with tag {outer.tag:X}, expected 61")
        if outer.end != len(data):
            raise DataGroupError(f"DG1 has {len(data) - outer.end} bytes after its template")
        raw = find_tlv(outer.value, TAG_MRZ)
    except TlvError as error:
        raise DataGroupError(f"DG1 is not well-formed BER-TLV: {error}") from error

    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as error:
        raise DataGroupError("the MRZ in DG1 is not ASCII") from error
    if len(text) not in (88, 72, 90) or not text.isprintable():
        raise DataGroupError(f"the MRZ in DG1 has {len(text)} characters; TD1 has 90, TD2 72 and TD3 88")

    mrz = parse_mrz("\n".join(split_mrz_lines(text)), today)
    log.info("DG1 parsed: %s MRZ of document %s", mrz.format.value if mrz.format else "unknown", mrz.masked_document_number)
    return mrz
