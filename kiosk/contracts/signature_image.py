"""Checking a handwritten signature and drawing it as a transparent PNG for the contract."""

import io
import math

from PIL import Image, ImageDraw

from devices.signature_pad import Signature
from kiosk.errors import SignatureRejected

# Below these the pen did not write a signature: a dot, a tap or a short stroke.
MIN_POINTS = 20
MIN_INK_LENGTH_RATIO = 0.8  # ink length as a share of the canvas width
MIN_HEIGHT_RATIO = 0.08  # height of the ink's bounding box as a share of the canvas height


def ink_length(signature: Signature) -> float:
    """Return the total length of all strokes, in pad units."""
    total = 0.0
    for stroke in signature.strokes:
        for a, b in zip(stroke, stroke[1:]):
            total += math.hypot(b.x - a.x, b.y - a.y)
    return total


def check_signature(signature: Signature) -> None:
    """Raise :class:`SignatureRejected` for a blank, a dot or a single straight line."""
    points = [point for stroke in signature.strokes for point in stroke]
    if len(points) < MIN_POINTS:
        raise SignatureRejected(f"signature has {len(points)} points, fewer than {MIN_POINTS}")
    if ink_length(signature) < MIN_INK_LENGTH_RATIO * signature.width:
        raise SignatureRejected("signature ink is too short to be a signature")
    height = max(p.y for p in points) - min(p.y for p in points)
    if height < MIN_HEIGHT_RATIO * signature.height:
        raise SignatureRejected("signature is a flat line")


def render_signature_png(signature: Signature, scale: float = 1.0) -> bytes:
    """Draw the strokes in dark blue on a transparent canvas; width follows pen pressure."""
    width = max(1, round(signature.width * scale))
    height = max(1, round(signature.height * scale))
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for stroke in signature.strokes:
        for a, b in zip(stroke, stroke[1:]):
            pen = max(1, round((1.5 + 3.5 * (a.pressure + b.pressure) / 2) * scale))
            draw.line([(a.x * scale, a.y * scale), (b.x * scale, b.y * scale)], fill=(20, 30, 110, 255), width=pen)
            radius = pen / 2
            draw.ellipse([b.x * scale - radius, b.y * scale - radius, b.x * scale + radius, b.y * scale + radius], fill=(20, 30, 110, 255))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()
