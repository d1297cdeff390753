"""Head pose from dlib's five face landmarks: the eye axis, the inter-eye distance and yaw.

The five points are, in dlib's order and in image coordinates: the outer and inner corner
of the eye on the image's right, the outer and inner corner of the eye on the image's
left, and the base of the nose (see :meth:`kiosk.identity.face.FaceModel.landmarks`).
"""

import math

import numpy as np

IMAGE_RIGHT_EYE_OUTER = 0
IMAGE_RIGHT_EYE_INNER = 1
IMAGE_LEFT_EYE_OUTER = 2
IMAGE_LEFT_EYE_INNER = 3
NOSE_BASE = 4

# Depth of the nose base in front of the inner eye corners, as a fraction of the distance
# between those corners. A head turned by yaw θ moves the nose base sideways by this
# depth times sin θ, while the corners come closer by cos θ, so the normalised offset is
# NOSE_DEPTH_RATIO · tan θ.
# NOTE: 0.5 is an assumed value for an average adult face, not measured on our customers.
# Faces differ, so yaw_degrees is an estimate, and thresholds are set on yaw_ratio with
# the degrees given as a guide.
NOSE_DEPTH_RATIO = 0.5


def check_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """Return ``landmarks`` as a float (5, 2) array; raise ValueError for any other shape or a non-finite value."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (5, 2):
        raise ValueError(f"expected dlib's 5 landmarks as a (5, 2) array, got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("landmarks contain a NaN or infinite coordinate")
    return points


def inter_eye_distance(landmarks: np.ndarray) -> float:
    """Return the distance in pixels between the two inner eye corners.

    Raises ValueError when the corners coincide, since no pose can be measured then.
    """
    points = check_landmarks(landmarks)
    distance = float(np.linalg.norm(points[IMAGE_RIGHT_EYE_INNER] - points[IMAGE_LEFT_EYE_INNER]))
    if distance < 1.0:
        raise ValueError(f"inner eye corners are {distance:.2f} px apart; the landmarks are degenerate")
    return distance


def eye_axis(landmarks: np.ndarray) -> np.ndarray:
    """Return the unit vector from the image-left inner eye corner to the image-right one."""
    points = check_landmarks(landmarks)
    return (points[IMAGE_RIGHT_EYE_INNER] - points[IMAGE_LEFT_EYE_INNER]) / inter_eye_distance(points)


def yaw_ratio(landmarks: np.ndarray) -> float:
    """Return the nose base's offset from the middle of the inner eye corners, along the eye axis.

    The offset is in units of the inter-eye distance, so it does not depend on the face's
    size, position or in-plane rotation. It is 0 for a frontal face. It is positive when
    the nose points to the image's right, which for a camera image that is not mirrored
    means the person turned their head to their own left.
    """
    points = check_landmarks(landmarks)
    middle = (points[IMAGE_RIGHT_EYE_INNER] + points[IMAGE_LEFT_EYE_INNER]) / 2.0
    offset = float(np.dot(points[NOSE_BASE] - middle, eye_axis(points)))
    return offset / inter_eye_distance(points)


def yaw_degrees(ratio: float) -> float:
    """Convert a :func:`yaw_ratio` into an estimated yaw angle in degrees (see NOSE_DEPTH_RATIO)."""
    return math.degrees(math.atan(ratio / NOSE_DEPTH_RATIO))
