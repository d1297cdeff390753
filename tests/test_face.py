"""Face decoding, detection and matching on real photographs."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from countersign.demo_branch import make_card_photo
from kiosk.errors import ImageTooLarge, ImageUnreadable, NoFaceFound, SeveralFacesFound
from kiosk.identity.face import FaceMatcher
from kiosk.identity.images import decode_image


@pytest.fixture(scope="module")
def matcher(face_model) -> FaceMatcher:
    return FaceMatcher(face_model)


def _rgb(faces_dir, name: str) -> np.ndarray:
    return decode_image((faces_dir / name).read_bytes())


def _card_face(matcher, faces_dir):
    photo = make_card_photo((faces_dir / "obama.jpg").read_bytes(), matcher.model)
    assert Image.open(io.BytesIO(photo)).size == (102, 126)
    return matcher.describe_single(decode_image(photo), upsample=2)


@pytest.mark.parametrize("name", ["obama2.jpg", "obama3.jpg"])
def test_same_person_matches_card_photo(matcher, faces_dir, name):
    result = matcher.compare(_card_face(matcher, faces_dir), matcher.describe_single(_rgb(faces_dir, name)))
    assert result.is_match, result.distance


def test_other_person_does_not_match_card_photo(matcher, faces_dir):
    result = matcher.compare(_card_face(matcher, faces_dir), matcher.describe_single(_rgb(faces_dir, "biden.jpg")))
    assert not result.is_match, result.distance


def test_two_faces_are_reported(matcher, faces_dir):
    left = Image.open(faces_dir / "obama2.jpg").convert("RGB").resize((600, 1150))
    right = Image.open(faces_dir / "biden.jpg").convert("RGB").resize((600, 1150))
    both = Image.new("RGB", (1200, 1150))
    both.paste(left, (0, 0))
    both.paste(right, (600, 0))
    with pytest.raises(SeveralFacesFound):
        matcher.describe_single(np.asarray(both))


def test_no_face_is_reported(matcher, faces_dir):
    wall = np.asarray(Image.open(faces_dir / "obama.jpg").convert("RGB"))[:120, :300]
    with pytest.raises(NoFaceFound):
        matcher.describe_single(np.ascontiguousarray(wall))


def test_rgba_png_is_flattened_to_rgb(faces_dir):
    image = _rgb(faces_dir, "32bit.png")
    assert image.dtype == np.uint8
    assert image.shape[2] == 3


def test_truncated_jpeg_is_unreadable(faces_dir):
    data = (faces_dir / "obama.jpg").read_bytes()
    with pytest.raises(ImageUnreadable):
        decode_image(data[: len(data) // 3])


def test_garbage_is_unreadable():
    with pytest.raises(ImageUnreadable) as caught:
        decode_image(b"not an image at all")
    assert caught.value.message.en == "Capture failed, please retake."


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size while the file stays tiny."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_huge_image_is_rejected_before_decoding():
    with pytest.raises(ImageTooLarge):
        decode_image(_png_header_claiming(20_000, 20_000))


def test_sixteen_bit_grey_is_scaled_not_clipped():
    values = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="PNG")
    rgb = decode_image(buffer.getvalue())
    assert rgb[1, 1, 0] == 255
    assert 120 <= rgb[1, 0, 0] <= 130
