"""The dlib face models on the CPU: HOG detection, 5-point landmarks and the ResNet descriptor.

All three models are loaded from the ``face_recognition_models`` package, never downloaded.
"""

import logging
import threading
from dataclasses import dataclass

import cv2
import dlib
import face_recognition_models
import numpy as np

log = logging.getLogger(__name__)

# A face found on a downscaled frame gets its box placed again on a crop where the face
# is this wide. HOG places boxes on an 8-pixel grid of the scanned image, which on a
# half-size frame is 16 px of the camera's. The 5-point landmarks start from that box,
# so a coarse box moves the descriptor. On LFW's pairs (250x250 images) re-placing the
# box brought the right decisions at 0.6 from 368 to 370 of 380, the same as scanning
# every image enlarged twice, at about half the cost; 120 px gave 369, 140 px 370.
REFINED_BOX_WIDTH = 160.0

# The descriptor is computed on a crop around the face, with this much margin on each
# side as a fraction of the box width. dlib's face chip reaches 0.25 of the face size
# past the landmarks, so half a box width contains the whole chip with room to spare.
_DESCRIPTOR_CROP_MARGIN = 0.5


@dataclass(frozen=True)
class FaceBox:
    """A face's bounding box in image pixels; ``right`` and ``bottom`` are inclusive, as dlib's."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def scaled(self, factor: float) -> "FaceBox":
        """Return the box with every coordinate multiplied by ``factor`` and rounded."""
        return FaceBox(round(self.left * factor), round(self.top * factor), round(self.right * factor), round(self.bottom * factor))

    def to_rectangle(self) -> dlib.rectangle:
        return dlib.rectangle(self.left, self.top, self.right, self.bottom)

    @classmethod
    def from_rectangle(cls, rectangle) -> "FaceBox":
        """Build a box from a dlib ``rectangle`` or ``drectangle`` (rounded to whole pixels)."""
        return cls(round(rectangle.left()), round(rectangle.top()), round(rectangle.right()), round(rectangle.bottom()))


@dataclass(frozen=True)
class FaceDescriptor:
    """A 128-dimensional descriptor and the box it was computed from."""

    vector: np.ndarray
    box: FaceBox


@dataclass(frozen=True)
class Detection:
    """One HOG detection: the box, the detector's score and which of its five sub-detectors fired.

    dlib's frontal detector combines five HOG filters: 0 looks straight ahead, 1 and 2 are
    turned to either side, 3 and 4 are tilted to either side.
    """

    box: FaceBox
    score: float
    sub_detector: int


class FaceModel:
    """The three dlib models, loaded once; thread-safe through a lock.

    dlib's objects are not documented as safe for concurrent use, so calls are
    serialised. Loading takes about half a second, which is why the kiosk loads the
    model once at start-up and shares it.
    """

    def __init__(self) -> None:
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self._encoder = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray, upsample: int) -> list[FaceBox]:
        """Return the boxes of every face found in an RGB image."""
        with self._lock:
            rectangles = self._detector(rgb, upsample)
        return [FaceBox(r.left(), r.top(), r.right(), r.bottom()) for r in rectangles]

    def detect_scaled(self, rgb: np.ndarray, scale: float, upsample: int = 0) -> list[Detection]:
        """Detect faces on a copy of ``rgb`` resized by ``scale``; boxes come back in ``rgb``'s pixels.

        A scale below 1 makes detection cheaper (HOG costs in proportion to the pixels
        scanned) and misses faces smaller than about 70 px divided by ``scale`` (the
        detector's 80x80 window, measured at about 70 px on real photos). ``upsample``
        doubles the resized copy that many times before scanning, for small faces.
        """
        if scale != 1.0:
            height, width = rgb.shape[:2]
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
            scanned = cv2.resize(rgb, size, interpolation=interpolation)
        else:
            scanned = rgb

        with self._lock:
            rectangles, scores, sub_detectors = self._detector.run(scanned, upsample, 0.0)
        return [
            Detection(FaceBox.from_rectangle(rectangle).scaled(1.0 / scale), float(score), int(sub_detector))
            for rectangle, score, sub_detector in zip(rectangles, scores, sub_detectors)
        ]

    def refine(self, rgb: np.ndarray, box: FaceBox) -> FaceBox:
        """Return ``box`` placed again by the detector on a crop around it, scaled so the face is :data:`REFINED_BOX_WIDTH` wide.

        Returns ``box`` unchanged when the crop shows no face overlapping it by at least
        a third (intersection over union).
        """
        crop, offset_x, offset_y = _crop_around(rgb, box, 0.5)
        scale = REFINED_BOX_WIDTH / max(1, box.width)
        candidates = [
            FaceBox(found.box.left + offset_x, found.box.top + offset_y, found.box.right + offset_x, found.box.bottom + offset_y)
            for found in self.detect_scaled(crop, scale)
        ]
        if not candidates:
            return box
        best = max(candidates, key=lambda candidate: _overlap(candidate, box))
        return best if _overlap(best, box) >= 1 / 3 else box

    def describe(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray:
        """Return the 128-dimensional descriptor of the face in ``box``.

        The landmarks and the ResNet run on a full-resolution crop around the box, never
        on a downscaled image.
        """
        crop, offset_x, offset_y = _crop_around(rgb, box, _DESCRIPTOR_CROP_MARGIN)
        rectangle = dlib.rectangle(box.left - offset_x, box.top - offset_y, box.right - offset_x, box.bottom - offset_y)
        with self._lock:
            shape = self._landmarks(crop, rectangle)
            vector = self._encoder.compute_face_descriptor(crop, shape)
        return np.asarray(vector, dtype=np.float64)

    def landmarks(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray:
        """Return the five landmarks of the face in ``box`` as a (5, 2) array of pixel (x, y).

        dlib's 5-point model orders them, in image coordinates: outer and inner corner of
        the eye on the image's right, outer and inner corner of the eye on the image's
        left, then the base of the nose.
        """
        rectangle = dlib.rectangle(box.left, box.top, box.right, box.bottom)
        with self._lock:
            shape = self._landmarks(rgb, rectangle)
        return np.array([[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)], dtype=np.float64)


def _overlap(first: FaceBox, second: FaceBox) -> float:
    """Return the intersection over union of two boxes."""
    width = max(0, min(first.right, second.right) - max(first.left, second.left))
    height = max(0, min(first.bottom, second.bottom) - max(first.top, second.top))
    intersection = width * height
    union = first.width * first.height + second.width * second.height - intersection
    return intersection / union if union > 0 else 0.0


def _crop_around(rgb: np.ndarray, box: FaceBox, margin: float) -> tuple[np.ndarray, int, int]:
    """Return a contiguous crop of ``rgb`` around ``box`` and the crop's top-left corner in ``rgb``."""
    height, width = rgb.shape[:2]
    pad = round(max(box.width, box.height) * margin)
    left = max(0, box.left - pad)
    top = max(0, box.top - pad)
    right = min(width, box.right + pad + 1)
    bottom = min(height, box.bottom + pad + 1)
    if right <= left or bottom <= top:
        return np.ascontiguousarray(rgb), 0, 0
    return np.ascontiguousarray(rgb[top:bottom, left:right]), left, top
