"""Turning image files and camera frames into the 8-bit RGB arrays that dlib expects."""

import io
import logging
import math
import warnings
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.errors import ImageTooLarge, ImageUnreadable

log = logging.getLogger(__name__)

# Pixels decoded from one file at most, checked against the header before any pixel is
# decoded, so a small file that would expand to gigabytes is rejected first. Pillow
# stores RGB at 4 bytes a pixel, so 24 MP (a 6000x4000 camera photo) costs about 96 MB
# while it is decoded. A JPEG counts at the size its DCT scaling will decode, so larger
# JPEGs pass when 1/2, 1/4 or 1/8 of their size fits.
MAX_PIXELS = 24_000_000

# Pixels kept after decoding. Larger stills are downscaled to this budget. 4 MP keeps a
# face that fills a tenth of a 24 MP photo's width at about 60 px between the eye centres,
# above the quality gate's minimum of 40 px for live faces.
PIXEL_BUDGET = 4_000_000

# EXIF Orientation values 5 to 8 turn the stored pixels by a quarter turn.
_ORIENTATION_TAG = 0x0112
_QUARTER_TURNS = {5, 6, 7, 8}

# Errors Pillow and zlib raise for truncated, corrupt or unsupported data.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, zlib.error)


@dataclass(frozen=True)
class DecodedImage:
    """An RGB image ready for dlib, with the size the file declared.

    ``rgb`` is ``uint8`` of shape (height, width, 3), oriented by its EXIF tag and
    downscaled to the pixel budget. ``scale`` is its width over the stored width (1.0 when
    nothing was downscaled).
    """

    rgb: np.ndarray
    source_size: tuple[int, int]
    scale: float

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS, pixel_budget: int = PIXEL_BUDGET) -> np.ndarray:
    """Decode an image file to an RGB ``uint8`` array of shape (height, width, 3).

    The same as :func:`decode_still`, returning the pixels only.
    """
    return decode_still(data, max_pixels=max_pixels, pixel_budget=pixel_budget).rgb


def decode_still(data: bytes, max_pixels: int = MAX_PIXELS, pixel_budget: int = PIXEL_BUDGET) -> DecodedImage:
    """Decode a still image file (JPEG, PNG and the other formats Pillow reads).

    EXIF orientation is applied and every pixel format becomes 8-bit RGB (see
    :func:`to_rgb`). A JPEG larger than ``pixel_budget`` is decoded at 1/2, 1/4 or 1/8
    of its size through Pillow's ``draft()``, and any image still larger than the budget
    is downscaled to it. Raises :class:`ImageTooLarge` when more than ``max_pixels``
    would have to be decoded, and :class:`ImageUnreadable` for truncated, corrupt or
    unsupported files.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            source_size = image.size

            if image.format == "JPEG" and source_size[0] * source_size[1] > pixel_budget:
                image.draft(image.mode, _fit_budget(source_size, pixel_budget))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"image of {source_size[0]}x{source_size[1]} pixels would decode {width * height} pixels, over the limit of {max_pixels}")

            image.load()
            turned = image.getexif().get(_ORIENTATION_TAG) in _QUARTER_TURNS
            image = ImageOps.exif_transpose(image)
            rgb = to_rgb(image)
    except ImageTooLarge as error:
        log.info("image rejected: %s", error)
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        log.info("image rejected as a decompression bomb: %s", error)
        raise ImageTooLarge(f"image is too large to decode safely: {error}") from error
    except UnidentifiedImageError as error:
        log.info("image of %d bytes is in no format Pillow reads", len(data))
        raise ImageUnreadable(f"not an image in a known format ({len(data)} bytes)") from error
    except _DECODE_ERRORS as error:
        log.info("image of %d bytes cannot be decoded: %s: %s", len(data), type(error).__name__, error)
        raise ImageUnreadable(f"image cannot be decoded: {type(error).__name__}: {error}") from error

    rgb = downscale_to_budget(rgb, pixel_budget)
    stored_width = source_size[1] if turned else source_size[0]
    return DecodedImage(rgb=rgb, source_size=source_size, scale=rgb.shape[1] / stored_width)


def _fit_budget(size: tuple[int, int], pixel_budget: int) -> tuple[int, int]:
    factor = math.sqrt(pixel_budget / (size[0] * size[1]))
    return max(1, int(size[0] * factor)), max(1, int(size[1] * factor))


def downscale_to_budget(rgb: np.ndarray, pixel_budget: int = PIXEL_BUDGET) -> np.ndarray:
    """Return ``rgb`` downscaled by area averaging to at most ``pixel_budget`` pixels."""
    height, width = rgb.shape[:2]
    if width * height <= pixel_budget:
        return rgb
    new_width, new_height = _fit_budget((width, height), pixel_budget)
    log.info("image downscaled from %dx%d to %dx%d", width, height, new_width, new_height)
    return np.ascontiguousarray(cv2.resize(rgb, (new_width, new_height), interpolation=cv2.INTER_AREA))


def to_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to 8-bit RGB.

    16-bit and 32-bit integer grey is scaled from its full 16-bit range (65535 becomes
    255), never clipped and never stretched, so a dark exposure stays dark for the
    quality gate. Floating-point grey is read as 0.0 to 1.0 when it lies in that range,
    else as 0 to 255. Transparent pixels are laid on white, as a photo on a form would be.
    """
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(image, dtype=np.float64)
        grey = np.clip(np.rint(values * (255.0 / 65535.0)), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))

    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if values.size and 0.0 <= values.min() and values.max() <= 1.0:
            values = values * 255.0
        grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))

    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background

    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def bgr_to_rgb(frame: np.ndarray) -> np.ndarray:
    """Convert an OpenCV BGR frame to a contiguous RGB array.

    Raises :class:`ImageUnreadable` for anything but an 8-bit, 3-channel frame.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ImageUnreadable(f"camera frame has shape {frame.shape} and type {frame.dtype}, expected HxWx3 uint8")
    return np.ascontiguousarray(frame[:, :, ::-1])
