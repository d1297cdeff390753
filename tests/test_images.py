"""Image input: orientation, pixel formats, broken files and huge images, on real photographs."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from kiosk.errors import ImageTooLarge, ImageUnreadable
from kiosk.identity.face.pipeline import FacePipeline, FaceStatus
from kiosk.identity.images import bgr_to_rgb, decode_image, decode_still

ORIENTATION = 0x0112


@pytest.fixture(scope="module")
def pipeline(face_model) -> FacePipeline:
    return FacePipeline(face_model)


@pytest.fixture(scope="module")
def obama(faces_dir) -> Image.Image:
    """obama.jpg halved (455x568), upright RGB: a real photo small enough to re-encode quickly."""
    image = Image.open(faces_dir / "obama.jpg").convert("RGB")
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def _encode(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def _jpeg_with_orientation(upright: Image.Image, orientation: int) -> bytes:
    """Store ``upright`` turned so that a viewer honouring EXIF ``orientation`` shows it upright again."""
    stored = {
        3: upright.transpose(Image.Transpose.ROTATE_180),
        6: upright.transpose(Image.Transpose.ROTATE_90),
        8: upright.transpose(Image.Transpose.ROTATE_270),
    }[orientation]
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return _encode(stored, "JPEG", quality=95, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_honoured(obama, pipeline, orientation):
    data = _jpeg_with_orientation(obama, orientation)
    assert Image.open(io.BytesIO(data)).getexif()[ORIENTATION] == orientation

    decoded = decode_still(data)

    assert (decoded.width, decoded.height) == obama.size
    difference = np.abs(decoded.rgb.astype(int) - np.asarray(obama, dtype=int)).mean()
    assert difference < 3, difference
    assert pipeline.examine_still(decoded.rgb).faces == 1


def test_sideways_photo_without_orientation_has_no_face(obama, pipeline):
    """The control for the test above: the same stored pixels, read without the tag, show no upright face."""
    stored = obama.transpose(Image.Transpose.ROTATE_90)
    rgb = decode_image(_encode(stored, "JPEG", quality=95))
    assert pipeline.examine_still(rgb).status is FaceStatus.NO_FACE


def test_rgba_png_is_laid_on_white(faces_dir, pipeline):
    with Image.open(faces_dir / "32bit.png") as original:
        assert original.mode == "RGBA"
        alpha = np.asarray(original.getchannel("A"))
    rgb = decode_image((faces_dir / "32bit.png").read_bytes())

    assert rgb.dtype == np.uint8
    assert rgb.shape == (1200, 626, 3)
    if (alpha == 0).any():
        assert (rgb[alpha == 0] == 255).all()
    assert pipeline.examine_still(rgb).faces == 1


def test_transparent_pixels_become_white(obama):
    rgba = obama.convert("RGBA")
    rgba.putalpha(Image.new("L", obama.size, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 40, 40))
    rgb = decode_image(_encode(rgba, "PNG"))
    assert (rgb[:40, :40] == 255).all()
    assert np.abs(rgb[100:, 100:].astype(int) - np.asarray(obama)[100:, 100:].astype(int)).max() == 0


def test_sixteen_bit_grey_is_scaled_not_clipped(obama):
    grey = np.asarray(obama.convert("L"), dtype=np.uint16)
    sixteen = Image.fromarray(grey * 257)
    assert sixteen.mode.startswith("I;16")

    rgb = decode_image(_encode(sixteen, "PNG"))

    assert rgb.dtype == np.uint8
    assert (rgb[..., 0] == rgb[..., 1]).all()
    assert (rgb[..., 1] == rgb[..., 2]).all()
    assert np.abs(rgb[..., 0].astype(int) - grey.astype(int)).max() <= 1
    assert (rgb == 255).mean() < 0.05, "values above 255 were clipped to white"


def test_dark_sixteen_bit_grey_stays_dark():
    """A 12-bit exposure in a 16-bit file is scaled from the full 16-bit range, not stretched to white."""
    values = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    rgb = decode_image(_encode(Image.fromarray(values), "PNG"))
    assert rgb[1, 1, 0] == round(4000 * 255 / 65535)
    assert rgb[0, 1, 0] == round(1000 * 255 / 65535)


def test_eight_bit_grey_becomes_three_equal_channels(obama, pipeline):
    grey = obama.convert("L")
    rgb = decode_image(_encode(grey, "PNG"))
    assert rgb.shape == (obama.height, obama.width, 3)
    assert (rgb[..., 0] == np.asarray(grey)).all()
    assert (rgb[..., 2] == np.asarray(grey)).all()
    assert pipeline.examine_still(rgb).faces == 1


def test_palette_png_is_expanded(obama, pipeline):
    palette = obama.quantize(colors=256)
    assert palette.mode == "P"
    rgb = decode_image(_encode(palette, "PNG"))
    assert np.abs(rgb.astype(int) - np.asarray(obama, dtype=int)).mean() < 8
    assert pipeline.examine_still(rgb).faces == 1


def test_palette_with_transparency_is_laid_on_white(obama):
    palette = obama.quantize(colors=255)
    palette.putpalette(palette.getpalette()[: 255 * 3] + [0, 0, 0])
    palette.paste(255, (0, 0, 30, 30))
    rgb = decode_image(_encode(palette, "PNG", transparency=255))
    assert (rgb[:30, :30] == 255).all()


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_truncated_file_is_capture_failed(obama, format):
    data = _encode(obama, format)
    for fraction in (0.02, 0.1, 0.33, 0.5, 0.9, 0.99):
        with pytest.raises(ImageUnreadable) as caught:
            decode_image(data[: int(len(data) * fraction)])
        assert caught.value.message.en == "Capture failed, please retake."
        assert caught.value.message.zh == "拍摄失败，请重新拍摄。"


def test_corrupt_bytes_never_crash(obama):
    """Flipped bytes either decode to some image or raise ImageUnreadable, never anything else."""
    data = bytearray(_encode(obama, "PNG"))
    rng = np.random.default_rng(7)
    for _ in range(20):
        damaged = bytearray(data)
        for position in rng.integers(8, len(damaged), size=4):
            damaged[position] ^= 0xFF
        try:
            assert decode_image(bytes(damaged)).dtype == np.uint8
        except ImageUnreadable:
            pass


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


def test_huge_png_is_rejected_before_decoding():
    with pytest.raises(ImageTooLarge):
        decode_image(_png_header_claiming(20_000, 20_000))


def test_large_jpeg_is_decoded_at_reduced_size(obama, pipeline):
    """A 3640x4548 JPEG (16.6 MP) passes a limit of 8 MP only because draft() decodes it at half size."""
    large = obama.resize((obama.width * 8, obama.height * 8), Image.Resampling.BILINEAR)
    data = _encode(large, "JPEG", quality=85)

    decoded = decode_still(data, max_pixels=8_000_000, pixel_budget=2_000_000)

    assert decoded.source_size == large.size
    assert decoded.width * decoded.height <= 2_000_000
    assert decoded.width / decoded.height == pytest.approx(large.width / large.height, rel=0.01)
    assert decoded.scale == pytest.approx(decoded.width / large.width)
    assert pipeline.examine_still(decoded.rgb).faces == 1


def test_large_png_over_limit_is_rejected(obama):
    """A PNG cannot be decoded at reduced size, so the same pixels as a PNG exceed the limit."""
    large = obama.resize((obama.width * 4, obama.height * 4), Image.Resampling.NEAREST)
    with pytest.raises(ImageTooLarge):
        decode_still(_encode(large, "PNG", compress_level=1), max_pixels=2_000_000)


def test_large_png_under_limit_is_downscaled_to_budget(obama):
    large = obama.resize((obama.width * 2, obama.height * 2), Image.Resampling.BILINEAR)
    decoded = decode_still(_encode(large, "PNG", compress_level=1), pixel_budget=500_000)
    assert decoded.width * decoded.height <= 500_000
    assert decoded.source_size == large.size


def test_bgr_frame_is_reversed_and_checked():
    frame = np.zeros((4, 6, 3), dtype=np.uint8)
    frame[..., 0] = 200
    assert (bgr_to_rgb(frame)[..., 2] == 200).all()
    with pytest.raises(ImageUnreadable):
        bgr_to_rgb(np.zeros((4, 6), dtype=np.uint8))
