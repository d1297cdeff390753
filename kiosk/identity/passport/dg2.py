"""DG2: the encoded face (ICAO 9303 part 10; ISO/IEC 19794-5:2005 inside a CBEFF template).

Structure: tag 75 contains a biometric information group template (7F61) with the
number of instances (02) and one or more biometric information templates (7F60). Each
contains a biometric header template (A1) and a biometric data block (5F2E, or 7F2E
when enciphered). The block is an ISO/IEC 19794-5 facial record: "FAC\\0", version
"010\\0", a 4-byte record length and a 2-byte number of faces, then per face a 20-byte
header, 8 bytes per feature point, a 12-byte image information block and the image.
"""

import logging
import struct
from dataclasses import dataclass

from devices.passport.tlv import TlvError, iterate_tlv, read_tlv
from kiosk.identity.passport.errors import DataGroupError

log = logging.getLogger(__name__)

TAG_DG2 = 0x75
TAG_GROUP_TEMPLATE = 0x7F61
TAG_INSTANCE_COUNT = 0x02
TAG_INFORMATION_TEMPLATE = 0x7F60
TAG_HEADER_TEMPLATE = 0xA1
TAG_DATA_BLOCK = 0x5F2E
TAG_ENCIPHERED_DATA_BLOCK = 0x7F2E

FORMAT_IDENTIFIER = b"FAC\x00"
VERSION_2005 = b"010\x00"
_GENERAL_HEADER = struct.Struct(">4s4sIH")
_FACE_HEADER = struct.Struct(">IHBBB3sH3s3s")
_FEATURE_POINT_SIZE = 8
_IMAGE_INFORMATION = struct.Struct(">BBHHBBHH")

IMAGE_JPEG = 0
IMAGE_JPEG2000 = 1
# Magic numbers of a JPEG file, a JPEG 2000 (JP2) file and a bare JPEG 2000 codestream.
_SIGNATURES = {
    IMAGE_JPEG: (b"\xff\xd8\xff",),
    IMAGE_JPEG2000: (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51"),
}


@dataclass(frozen=True)
class FaceImage:
    """The first face of DG2: the image file as stored, with its format and size from the facial record."""

    data: bytes
    format: str  # "jpeg" or "jpeg2000"
    width: int
    height: int

    def __repr__(self) -> str:
        return f"FaceImage({self.format}, {self.width}x{self.height}, {len(self.data)} bytes)"


def parse_dg2(data: bytes) -> FaceImage:
    """Return the first face image in DG2.

    Raises :class:`DataGroupError` when the templates or the facial record are
    malformed, the biometric data is enciphered, or the image data type is neither
    JPEG nor JPEG 2000 or does not match the image's own signature.
    """
    try:
        outer = read_tlv(data)
        if outer.tag != TAG_DG2:
            raise DataGroupError(f"DG2 starts with tag {outer.tag:X}, expected 75")
        group = read_tlv(outer.value)
        if group.tag != TAG_GROUP_TEMPLATE:
            raise DataGroupError(f"DG2 contains tag {group.tag:X}, expected the group template 7F61")
        block = _first_data_block(group.value)
    except TlvError as error:
        raise DataGroupError(f"DG2 is not well-formed BER-TLV: {error}") from error
    return _parse_facial_record(block)


def _first_data_block(group: bytes) -> bytes:
    for item in iterate_tlv(group):
        if item.tag != TAG_INFORMATION_TEMPLATE:
            continue
        for element in iterate_tlv(item.value):
            if element.tag == TAG_DATA_BLOCK:
                return element.value
            if element.tag == TAG_ENCIPHERED_DATA_BLOCK:
                raise DataGroupError("DG2's face is enciphered; reading it needs extended access control")
        raise DataGroupError("DG2's biometric information template has no data block (5F2E)")
    raise DataGroupError("DG2 has no biometric information template (7F60)")


def _parse_facial_record(record: bytes) -> FaceImage:
    if len(record) < _GENERAL_HEADER.size:
        raise DataGroupError(f"facial record of {len(record)} bytes is shorter than its header")
    identifier, version, record_length, faces = _GENERAL_HEADER.unpack_from(record)
    if identifier != FORMAT_IDENTIFIER or version != VERSION_2005:
        raise DataGroupError(f"facial record starts {identifier + version!r}, not ISO/IEC 19794-5:2005 'FAC 010'")
    if record_length != len(record) or faces < 1:
        raise DataGroupError(f"facial record claims {record_length} bytes and {faces} faces; it has {len(record)} bytes")

    offset = _GENERAL_HEADER.size
    if offset + _FACE_HEADER.size > len(record):
        raise DataGroupError("facial record ends inside the face header")
    face_length, feature_points = _FACE_HEADER.unpack_from(record, offset)[:2]
    image_offset = offset + _FACE_HEADER.size + feature_points * _FEATURE_POINT_SIZE + _IMAGE_INFORMATION.size
    face_end = offset + face_length
    if face_end > len(record) or image_offset >= face_end:
        raise DataGroupError(f"face block of {face_length} bytes does not fit the record or has no image")

    information = _IMAGE_INFORMATION.unpack_from(record, image_offset - _IMAGE_INFORMATION.size)
    image_type, width, height = information[1], information[2], information[3]
    image = record[image_offset:face_end]
    if image_type not in _SIGNATURES:
        raise DataGroupError(f"face image data type {image_type} is neither JPEG (0) nor JPEG 2000 (1)")
    if not image.startswith(_SIGNATURES[image_type]):
        raise DataGroupError(f"face image does not start with the signature of its data type {image_type}")

    face = FaceImage(image, "jpeg" if image_type == IMAGE_JPEG else "jpeg2000", width, height)
    log.info("DG2 parsed: %r", face)
    return face
