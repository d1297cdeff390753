"""Measurements of one detected face that the quality gate compares with its thresholds.

Every measure comes from the image, the face's HOG box and dlib's five landmarks. None
needs the ResNet descriptor, so the gate is cheap enough to run on every camera frame.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.identity.face.model import FaceBox

# The face region is resized to this width before its sharpness is measured, so that the
# variance of the Laplacian does not depend on how large the face is in the image.
FACE_SAMPLE_WIDTH = 128

# The part of the HOG box that is skin, not hair or background, as fractions of the box:
# (left, top, right, bottom). The box runs from the eyebrows to the chin.
_INNER_FACE = (0.2, 0.15, 0.8, 0.9)


@dataclass(frozen=True)
class FaceMeasures:
    """Measurements of one face, as the quality gate reads them.

    ``eye_distance`` is the distance between the two eye centres in image pixels.
    ``roll_degrees`` is the eye line's angle from horizontal, positive when the eye on
    the image's right is lower. ``yaw_ratio`` is how far the base of the nose sits from
    the point midway between the eyes, along the eye line, over ``eye_distance``: about 0
    for a frontal face, positive when the nose is towards the image's right.
    ``sharpness`` is the variance of the Laplacian of the face region resized to
    ``FACE_SAMPLE_WIDTH``. ``face_brightness`` and ``background_brightness`` are mean
    luma (0 to 255) of the inner face and of the area beside and above the head (None
    when the face fills the image). ``outside_fraction`` is the share of the box that lies
    outside the image.
    """

    eye_distance: float
    roll_degrees: float
    yaw_ratio: float
    sharpness: float
    face_brightness: float
    background_brightness: float | None
    outside_fraction: float

    def to_json(self) -> dict:
        return {
            "eye_distance": round(self.eye_distance, 1),
            "roll_degrees": round(self.roll_degrees, 1),
            "yaw_ratio": round(self.yaw_ratio, 3),
            "sharpness": round(self.sharpness, 1),
            "face_brightness": round(self.face_brightness, 1),
            "background_brightness": None if self.background_brightness is None else round(self.background_brightness, 1),
            "outside_fraction": round(self.outside_fraction, 3),
        }


def measure_face(rgb: np.ndarray, box: FaceBox, landmarks: np.ndarray) -> FaceMeasures:
    """Measure the face in ``box`` of an RGB ``uint8`` image.

    ``landmarks`` is the (5, 2) array of :meth:`FaceModel.landmarks`, in the same pixels.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    eye_distance, roll_degrees, yaw_ratio = measure_pose(landmarks)
    sample = _face_sample(grey, box)

    return FaceMeasures(
        eye_distance=eye_distance,
        roll_degrees=roll_degrees,
        yaw_ratio=yaw_ratio,
        sharpness=float(cv2.Laplacian(sample, cv2.CV_64F).var()) if sample.size else 0.0,
        face_brightness=_inner_face_brightness(grey, box),
        background_brightness=_background_brightness(grey, box),
        outside_fraction=_outside_fraction(grey.shape, box),
    )


def measure_pose(landmarks: np.ndarray) -> tuple[float, float, float]:
    """Return (eye distance in pixels, roll in degrees, yaw ratio) from dlib's five landmarks."""
    right_eye = (landmarks[0] + landmarks[1]) / 2.0
    left_eye = (landmarks[2] + landmarks[3]) / 2.0
    nose = landmarks[4]

    eye_line = right_eye - left_eye
    eye_distance = float(np.hypot(eye_line[0], eye_line[1]))
    if eye_distance == 0.0:
        return 0.0, 0.0, 0.0
    roll_degrees = math.degrees(math.atan2(eye_line[1], eye_line[0]))

    midpoint = (left_eye + right_eye) / 2.0
    yaw_ratio = float(np.dot(nose - midpoint, eye_line) / eye_distance**2)
    return eye_distance, roll_degrees, yaw_ratio


def _clipped(shape: tuple[int, ...], left: float, top: float, right: float, bottom: float) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    return max(0, int(left)), max(0, int(top)), min(width, int(math.ceil(right))), min(height, int(math.ceil(bottom)))


def _face_sample(grey: np.ndarray, box: FaceBox) -> np.ndarray:
    left, top, right, bottom = _clipped(grey.shape, box.left, box.top, box.right + 1, box.bottom + 1)
    if right - left < 2 or bottom - top < 2:
        return np.zeros((0, 0), dtype=np.uint8)
    region = grey[top:bottom, left:right]
    height = max(1, round(region.shape[0] * FACE_SAMPLE_WIDTH / region.shape[1]))
    interpolation = cv2.INTER_AREA if region.shape[1] > FACE_SAMPLE_WIDTH else cv2.INTER_LINEAR
    return cv2.resize(region, (FACE_SAMPLE_WIDTH, height), interpolation=interpolation)


def _inner_face_brightness(grey: np.ndarray, box: FaceBox) -> float:
    x0, y0, x1, y1 = _INNER_FACE
    left, top, right, bottom = _clipped(
        grey.shape,
        box.left + x0 * box.width,
        box.top + y0 * box.height,
        box.left + x1 * box.width,
        box.top + y1 * box.height,
    )
    if right <= left or bottom <= top:
        return 0.0
    return float(grey[top:bottom, left:right].mean())


def _background_brightness(grey: np.ndarray, box: FaceBox) -> float | None:
    """Return the mean luma beside and above the head, or None when too little of it is in the image.

    The area spans one box width to either side and one box height above, down to the
    chin. Below the chin are the neck and clothes, which do not show the light behind.
    The box grown by a quarter (hair, ears) is left out.
    """
    left, top, right, bottom = _clipped(grey.shape, box.left - box.width, box.top - box.height, box.right + box.width + 1, box.bottom + 1)
    if right <= left or bottom <= top:
        return None
    area = grey[top:bottom, left:right]
    mask = np.ones(area.shape, dtype=bool)

    pad_x, pad_y = box.width * 0.25, box.height * 0.25
    head = _clipped(grey.shape, box.left - pad_x, box.top - pad_y, box.right + pad_x + 1, box.bottom + 1)
    mask[max(0, head[1] - top) : max(0, head[3] - top), max(0, head[0] - left) : max(0, head[2] - left)] = False

    if mask.sum() < 0.5 * box.width * box.height:
        return None
    return float(area[mask].mean())


def _outside_fraction(shape: tuple[int, ...], box: FaceBox) -> float:
    area = max(1, box.width) * max(1, box.height)
    left, top, right, bottom = _clipped(shape, box.left, box.top, box.right, box.bottom)
    inside = max(0, right - left) * max(0, bottom - top)
    return max(0.0, 1.0 - inside / area)
