"""Turning image files and camera frames into the 8-bit RGB arrays that dlib expects."""

import io
import logging
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from kiosk.errors import ImageTooLarge, ImageUnreadable

log = logging.getLogger(__name__)

# Pixels decoded from one file at most. The header gives the size before any pixel is
# decoded, so a small file that would expand to gigabytes is rejected first.
MAX_PIXELS = 40_000_000


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an image file to an RGB ``uint8`` array of shape (height, width, 3).

    EXIF orientation is applied. Raises :class:`ImageTooLarge` above ``max_pixels`` and
    :class:`ImageUnreadable` for truncated, corrupt or unsupported files.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"image of {width}x{height} pixels exceeds {max_pixels} pixels")
            image.load()
            image = ImageOps.exif_transpose(image)
            return to_rgb(image)
    except ImageTooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageTooLarge(f"image is too large to decode safely: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageUnreadable(f"image cannot be decoded: {error}") from error


def to_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to 8-bit RGB; 16-bit grey is scaled, never clipped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        peak = values.max() or 1.0
        grey = np.clip(values / peak * 255.0, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.stack([grey] * 3, axis=-1))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def bgr_to_rgb(frame: np.ndarray) -> np.ndarray:
    """Convert an OpenCV BGR frame to a contiguous RGB array."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ImageUnreadable(f"camera frame has shape {frame.shape} and type {frame.dtype}, expected HxWx3 uint8")
    return np.ascontiguousarray(frame[:, :, ::-1])
