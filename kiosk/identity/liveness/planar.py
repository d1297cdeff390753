"""The planar-motion cue: does the face move like a 3-D head or like a flat picture?

A printed photo or a phone screen is a plane, and any view of a plane is a homography of
any other. A real head is not flat: when it turns, the nose base moves against the eyes
and cheeks by more than a plane could explain (parallax). For pairs of frames in which
yaw changed, the cue fits a homography to features tracked on the face outside the nose
and to the four eye corners. The homography predicts where the nose base should be, and
the cue compares that with the nose base the landmark model found. The parallax, along
the eye axis and in inter-eye distances, is divided by the change in yaw_ratio. The
ratio is about 1 for a head, because parallax is what yaw_ratio measures there. It is
about 0 for a plane, whose tilt changes yaw_ratio too but moves the nose with the
homography.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.liveness.geometry import IMAGE_LEFT_EYE_INNER, IMAGE_RIGHT_EYE_INNER, NOSE_BASE
from kiosk.identity.liveness.observation import FaceObservation
from kiosk.messages import Message

log = logging.getLogger(__name__)

# Only pairs whose yaw_ratio differs by this much are compared. The landmarks of a still
# face jitter by up to about ±0.05, and a yaw change made of jitter has no parallax
# behind it, so smaller changes would make real faces look flat. With 0.08, two of 23
# four-second windows of the benchmark clips were called planar, and with 0.12 none.
MIN_YAW_CHANGE = 0.12

# At most this many pairs are measured (each costs a few milliseconds), and at least
# MIN_PAIRS must be measured for a verdict.
MAX_PAIRS = 12
MIN_PAIRS = 4

# The verdict is the median parallax ratio over the pairs. Twelve simulated held prints
# (four test photographs, three hand motions each) measured -0.09 to 0.26; four-second
# windows of the benchmark clips of real heads that turned measured 0.51 to 1.47. Below
# PLANAR_MAX_RATIO the face moved as a plane; from DEPTH_MIN_RATIO it showed depth;
# between, the cue does not decide.
PLANAR_MAX_RATIO = 0.35
DEPTH_MIN_RATIO = 0.5

# Features are not taken within this many inter-eye distances of the nose base, so the
# homography describes the rest of the face.
_NOSE_EXCLUSION = 0.7
_MAX_FEATURES = 150
_MIN_TRACKED = 12
# Lucas-Kanade tracks that do not come back within this many pixels when tracked
# backwards are dropped.
_MAX_FORWARD_BACKWARD_ERROR = 0.3


@dataclass(frozen=True)
class PairParallax:
    """The nose parallax between a reference frame and one other frame."""

    timestamp: float
    yaw_change: float
    parallax: float
    homography_residual: float
    tracked: int

    @property
    def ratio(self) -> float:
        return self.parallax / self.yaw_change


def _similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    matrix, _ = cv2.estimateAffinePartial2D(source.astype(np.float32), target.astype(np.float32))
    return matrix


def measure_pair(reference: FaceObservation, other: FaceObservation) -> PairParallax | None:
    """Measure the nose parallax of ``other`` against ``reference``; None when too few features could be tracked."""
    reference_grey = reference.crop.grey
    reference_points = reference.landmarks - np.array(reference.crop.origin, dtype=np.float64)
    other_points = other.landmarks - np.array(other.crop.origin, dtype=np.float64)
    inter_eye = reference.inter_eye_distance
    axis = reference_points[IMAGE_RIGHT_EYE_INNER] - reference_points[IMAGE_LEFT_EYE_INNER]
    axis = axis / np.linalg.norm(axis)

    # Bring the other frame onto the reference with the similarity transform of the
    # landmarks, so that what is left between them is small enough for Lucas-Kanade.
    similarity = _similarity(other_points, reference_points)
    if similarity is None:
        return None
    height, width = reference_grey.shape
    aligned = cv2.warpAffine(other.crop.grey, similarity, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    other_aligned = other_points @ similarity[:, :2].T + similarity[:, 2]

    mask = np.zeros_like(reference_grey)
    box = reference.box
    left, top = reference.crop.origin
    mask[max(box.top - top, 0) : box.bottom - top, max(box.left - left, 0) : box.right - left] = 255
    nose = reference_points[NOSE_BASE]
    cv2.circle(mask, (round(nose[0]), round(nose[1])), round(_NOSE_EXCLUSION * inter_eye), 0, -1)
    features = cv2.goodFeaturesToTrack(
        reference_grey, _MAX_FEATURES, 0.01, max(3.0, inter_eye / 8.0), mask=mask, blockSize=5
    )
    if features is None:
        return None

    tracked, status, _ = cv2.calcOpticalFlowPyrLK(reference_grey, aligned, features, None, winSize=(15, 15), maxLevel=2)
    back, back_status, _ = cv2.calcOpticalFlowPyrLK(aligned, reference_grey, tracked, None, winSize=(15, 15), maxLevel=2)
    round_trip = np.linalg.norm(back.reshape(-1, 2) - features.reshape(-1, 2), axis=1)
    good = (status.ravel() == 1) & (back_status.ravel() == 1) & (round_trip < _MAX_FORWARD_BACKWARD_ERROR)
    if int(good.sum()) < _MIN_TRACKED:
        return None

    eye_corners = [0, 1, 2, 3]
    source = np.vstack([features.reshape(-1, 2)[good], reference_points[eye_corners]]).astype(np.float32)
    target = np.vstack([tracked.reshape(-1, 2)[good], other_aligned[eye_corners]]).astype(np.float32)
    homography, _ = cv2.findHomography(source, target, cv2.LMEDS)
    if homography is None:
        return None

    residuals = np.linalg.norm(cv2.perspectiveTransform(source.reshape(-1, 1, 2), homography).reshape(-1, 2) - target, axis=1)
    predicted_nose = cv2.perspectiveTransform(nose.reshape(1, 1, 2).astype(np.float32), homography).reshape(2)
    parallax = float(np.dot(other_aligned[NOSE_BASE] - predicted_nose, axis)) / inter_eye
    return PairParallax(
        timestamp=other.timestamp,
        yaw_change=other.yaw - reference.yaw,
        parallax=parallax,
        homography_residual=float(np.percentile(residuals, 80)) / inter_eye,
        tracked=int(good.sum()),
    )


def pick_pairs(observations: Sequence[FaceObservation]) -> list[tuple[FaceObservation, FaceObservation]]:
    """Return up to MAX_PAIRS pairs of frames with the largest yaw differences, each frame used once.

    The frames are sorted by yaw and the lowest is paired with the highest, the second
    lowest with the second highest, and so on, while the difference reaches MIN_YAW_CHANGE.
    """
    ordered = sorted(observations, key=lambda observation: observation.yaw)
    pairs = []
    for index in range(min(MAX_PAIRS, len(ordered) // 2)):
        low, high = ordered[index], ordered[-1 - index]
        if high.yaw - low.yaw < MIN_YAW_CHANGE:
            break
        pairs.append((low, high))
    return pairs


def check_planar_motion(observations: Sequence[FaceObservation]) -> Check:
    """Return the planar-motion cue "liveness_planar_motion" for one attempt.

    FAIL when the face turned but moved as a plane, PASS when it showed depth, RETRY when
    it did not turn enough to tell (a still face gives no evidence either way).
    """
    if not observations:
        return Check("liveness_planar_motion", Outcome.RETRY, _NO_TURN, {"pairs": 0})
    measured = (measure_pair(low, high) for low, high in pick_pairs(observations))
    pairs = [pair for pair in measured if pair is not None]
    yaws = [observation.yaw for observation in observations]
    details: dict = {
        "pairs": len(pairs),
        "yaw_range": [round(min(yaws), 3), round(max(yaws), 3)],
    }
    if len(pairs) < MIN_PAIRS:
        return Check("liveness_planar_motion", Outcome.RETRY, _NO_TURN, details)

    ratio = float(np.median([pair.ratio for pair in pairs]))
    details["parallax_ratio"] = round(ratio, 3)
    details["homography_residual"] = round(float(np.median([pair.homography_residual for pair in pairs])), 4)
    if ratio < PLANAR_MAX_RATIO:
        log.info("liveness: face moved as a plane (parallax ratio %.2f over %d pairs)", ratio, len(pairs))
        return Check("liveness_planar_motion", Outcome.FAIL, _PLANAR, details)
    if ratio >= DEPTH_MIN_RATIO:
        return Check("liveness_planar_motion", Outcome.PASS, _DEPTH, details)
    return Check("liveness_planar_motion", Outcome.RETRY, _UNDECIDED, details)


_NO_TURN = Message("头部转动不足，无法判断立体感。", "The head did not turn enough to judge depth.")
_PLANAR = Message("人脸的运动像一张平面图片。", "The face moved like a flat picture.")
_DEPTH = Message("人脸的运动符合立体头部。", "The face moved like a real, three-dimensional head.")
_UNDECIDED = Message("无法确定人脸的运动是否立体。", "Whether the face moved in depth could not be decided.")
