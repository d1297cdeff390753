"""Checking a handwritten signature and drawing it as a transparent PNG for the contract."""

import io
import math

from PIL import Image, ImageDraw

from devices.signature_pad import Signature, StrokePoint
from kiosk.errors import SignatureBlank, SignatureDot, SignatureLine, SignatureTooShort

# Below these the pen did not write a signature: a dot, a tap, a line or a short stroke.
MIN_POINTS = 20
MIN_INK_LENGTH_RATIO = 0.8  # ink length as a share of the canvas width
# Thickness is the ink's extent across its main direction, as a share of the canvas
# height. Thinner ink is a line, whatever its slant, and ink this small in every direction is a dot.
MIN_THICKNESS_RATIO = 0.08


def ink_length(signature: Signature) -> float:
    """Return the total length of all strokes, in pad units."""
    total = 0.0
    for stroke in signature.strokes:
        for a, b in zip(stroke, stroke[1:]):
            total += math.hypot(b.x - a.x, b.y - a.y)
    return total


def ink_thickness(points: list[StrokePoint]) -> float:
    """Return the extent of ``points`` across their main direction, in pad units.

    The main direction is the principal axis of the points (the eigenvector of their
    covariance with the larger eigenvalue), so a straight line at any slant has a
    thickness near zero. ``points`` must not be empty.
    """
    mean_x = sum(p.x for p in points) / len(points)
    mean_y = sum(p.y for p in points) / len(points)
    var_x = sum((p.x - mean_x) ** 2 for p in points)
    var_y = sum((p.y - mean_y) ** 2 for p in points)
    cov_xy = sum((p.x - mean_x) * (p.y - mean_y) for p in points)
    angle = 0.5 * math.atan2(2 * cov_xy, var_x - var_y)

    normal_x, normal_y = -math.sin(angle), math.cos(angle)
    offsets = [(p.x - mean_x) * normal_x + (p.y - mean_y) * normal_y for p in points]
    return max(offsets) - min(offsets)


def check_signature(signature: Signature) -> None:
    """Raise a subclass of :class:`kiosk.errors.SignatureRejected` when the ink is not a signature.

    The reasons, checked in this order: :class:`SignatureBlank` (no ink),
    :class:`SignatureDot` (fewer than :data:`MIN_POINTS` points, or all ink in a small
    spot), :class:`SignatureLine` (a straight or flat line at any slant) and
    :class:`SignatureTooShort` (less ink than :data:`MIN_INK_LENGTH_RATIO` of the width).
    """
    points = [point for stroke in signature.strokes for point in stroke]
    if not points:
        raise SignatureBlank("signature has no points")

    min_thickness = MIN_THICKNESS_RATIO * signature.height
    width = max(p.x for p in points) - min(p.x for p in points)
    height = max(p.y for p in points) - min(p.y for p in points)
    if len(points) < MIN_POINTS:
        raise SignatureDot(f"signature has {len(points)} points, fewer than {MIN_POINTS}")
    if max(width, height) < min_thickness:
        raise SignatureDot(f"signature ink fits in {width:.0f} x {height:.0f} pad units")

    thickness = ink_thickness(points)
    if thickness < min_thickness:
        raise SignatureLine(f"signature is a line {thickness:.1f} pad units thick, thinner than {min_thickness:.1f}")

    length = ink_length(signature)
    if length < MIN_INK_LENGTH_RATIO * signature.width:
        raise SignatureTooShort(
            f"signature ink is {length:.0f} pad units long, shorter than {MIN_INK_LENGTH_RATIO * signature.width:.0f}"
        )


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
