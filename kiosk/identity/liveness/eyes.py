"""Eye openness from the eye regions that the five landmarks locate.

dlib's 5-point model has no eyelid points, so openness is judged from the pixels. An open
eye shows the iris and pupil, whose left and right borders are strong vertical edges. A
closed eye shows the lid and the lash line, which are horizontal. The openness of one eye
is the horizontal gradient energy in its region divided by the vertical gradient energy.
The divisor has a floor, so that a region without any structure (skin, or a blown-out
frame) counts as closed rather than as noise.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.identity.liveness.geometry import (
    IMAGE_LEFT_EYE_INNER,
    IMAGE_LEFT_EYE_OUTER,
    IMAGE_RIGHT_EYE_INNER,
    IMAGE_RIGHT_EYE_OUTER,
    check_landmarks,
)

# The eye region is resampled to a fixed patch, aligned with the line through the two
# corners: 1.4 corner distances wide and 0.93 high, which contains the open lids but not
# the eyebrow (about one corner distance above the corner line).
PATCH_WIDTH = 48
PATCH_HEIGHT = 32
_PATCH_SPAN = 1.4

# Gradients are summed over the middle of the patch, where the iris is when the eye is
# open: rows 9..22 and columns 14..33, about 0.2 corner distances above and below the
# eye's centre and 0.3 to either side. That keeps out the corners, whose own edges run
# every way, and the eyebrow, even when the landmark model places a closed eye's corners
# a little higher than the open eye's.
_CORE_ROWS = slice(9, 23)
_CORE_COLUMNS = slice(14, 34)

# The patch is smoothed before the gradients are taken, so that sensor noise (which has
# as much horizontal as vertical gradient) does not pull a closed eye towards 1.
_SMOOTHING_SIGMA = 1.0

# Floor on the mean vertical gradient, as a fraction of the mean brightness of the patch.
# A real eye, open or closed, has a lash line whose vertical gradient is far above it. A
# patch of skin has only sensor noise, so its openness falls near zero.
_FLAT_FLOOR = 0.06


@dataclass(frozen=True)
class EyeOpenness:
    """Openness of each eye, named by the side of the image it is on; 0 is shut, open eyes measured 0.38 to 1.3."""

    image_right: float
    image_left: float

    @property
    def both(self) -> float:
        """The openness of the more open eye, so that both eyes must close for this to drop."""
        return max(self.image_right, self.image_left)


def eye_patch(grey: np.ndarray, left_corner: np.ndarray, right_corner: np.ndarray) -> np.ndarray:
    """Return the region of one eye as a PATCH_HEIGHT x PATCH_WIDTH float patch.

    ``left_corner`` and ``right_corner`` are the eye's corners on the image's left and
    right, in pixels of ``grey`` (an 8-bit single-channel image). The patch's x axis runs
    from the left corner to the right one and its y axis points down, so an upright eye
    stays upright whichever side of the face it is on.
    """
    centre = (left_corner + right_corner) / 2.0
    along = right_corner - left_corner
    corner_distance = float(np.linalg.norm(along))
    if corner_distance < 1.0:
        raise ValueError(f"eye corners are {corner_distance:.2f} px apart")
    along = along / corner_distance
    down = np.array([-along[1], along[0]])
    pixel = _PATCH_SPAN * corner_distance / PATCH_WIDTH

    # Affine map from patch coordinates to image coordinates, used with WARP_INVERSE_MAP.
    origin = centre - along * pixel * PATCH_WIDTH / 2.0 - down * pixel * PATCH_HEIGHT / 2.0
    patch_to_image = np.array(
        [
            [along[0] * pixel, down[0] * pixel, origin[0]],
            [along[1] * pixel, down[1] * pixel, origin[1]],
        ]
    )
    patch = cv2.warpAffine(
        grey,
        patch_to_image,
        (PATCH_WIDTH, PATCH_HEIGHT),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return patch.astype(np.float64)


def patch_openness(patch: np.ndarray) -> float:
    """Return the openness of one eye patch from :func:`eye_patch`."""
    # NOTE: motion blur weakens the iris's vertical edges as a closing lid does. In a
    # stage clip where a hand waved past the face, two closures were counted as blinks.
    smooth = cv2.GaussianBlur(patch, (0, 0), _SMOOTHING_SIGMA)
    horizontal_gradient = np.abs(np.diff(smooth, axis=1))[_CORE_ROWS, _CORE_COLUMNS].mean()
    vertical_gradient = np.abs(np.diff(smooth, axis=0))[_CORE_ROWS, _CORE_COLUMNS].mean()
    floor = _FLAT_FLOOR * max(float(smooth.mean()), 1.0)
    return float(horizontal_gradient / max(vertical_gradient, floor))


def eye_openness(grey: np.ndarray, landmarks: np.ndarray) -> EyeOpenness:
    """Measure both eyes of the face whose five landmarks are given, in pixels of ``grey``.

    Raises ValueError for degenerate landmarks (corners on top of each other).
    """
    points = check_landmarks(landmarks)
    right_patch = eye_patch(grey, points[IMAGE_RIGHT_EYE_INNER], points[IMAGE_RIGHT_EYE_OUTER])
    left_patch = eye_patch(grey, points[IMAGE_LEFT_EYE_OUTER], points[IMAGE_LEFT_EYE_INNER])
    return EyeOpenness(image_right=patch_openness(right_patch), image_left=patch_openness(left_patch))
