"""Face detection and matching with dlib on the CPU.

Detection uses dlib's HOG detector, alignment its 5-point landmark model and the
descriptor its ResNet model, all loaded from the ``face_recognition_models`` package.
Two faces are the same person when the Euclidean distance between their descriptors
is below the threshold.
"""

import logging
import threading
from dataclasses import dataclass

import dlib
import face_recognition_models
import numpy as np

from kiosk.errors import NoFaceFound, SeveralFacesFound

log = logging.getLogger(__name__)

# NOTE: 0.6 is the threshold dlib's author published for this ResNet model on LFW; it
# has not been calibrated on ID-card photos, so false match and false non-match rates
# at this setting are unmeasured for our data.
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True)
class FaceBox:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left


@dataclass(frozen=True)
class FaceDescriptor:
    """A 128-dimensional descriptor and the box it was computed from."""

    vector: np.ndarray
    box: FaceBox


@dataclass(frozen=True)
class MatchResult:
    distance: float
    threshold: float

    @property
    def is_match(self) -> bool:
        return self.distance < self.threshold


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

    def describe(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray:
        """Return the descriptor of the face in ``box``."""
        rectangle = dlib.rectangle(box.left, box.top, box.right, box.bottom)
        with self._lock:
            shape = self._landmarks(rgb, rectangle)
            vector = self._encoder.compute_face_descriptor(rgb, shape)
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


class FaceMatcher:
    """Describes exactly one face per image and compares descriptors against a threshold."""

    def __init__(self, model: FaceModel, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0 < threshold <= DEFAULT_THRESHOLD:
            raise ValueError(f"face threshold {threshold} must lie in (0, {DEFAULT_THRESHOLD}]; larger lets strangers match")
        self.model = model
        self.threshold = threshold

    def describe_single(self, rgb: np.ndarray, upsample: int = 1) -> FaceDescriptor:
        """Return the descriptor of the only face in ``rgb``.

        Raises :class:`NoFaceFound` or :class:`SeveralFacesFound`. Small images such as
        the 102×126 card photo need ``upsample`` of 1 or 2 for the detector to see a face.
        """
        boxes = self.model.detect(rgb, upsample)
        if not boxes:
            raise NoFaceFound(f"no face in a {rgb.shape[1]}x{rgb.shape[0]} image")
        if len(boxes) > 1:
            raise SeveralFacesFound(f"{len(boxes)} faces in a {rgb.shape[1]}x{rgb.shape[0]} image")
        return FaceDescriptor(self.model.describe(rgb, boxes[0]), boxes[0])

    def compare(self, document: FaceDescriptor, live: FaceDescriptor) -> MatchResult:
        distance = float(np.linalg.norm(document.vector - live.vector))
        return MatchResult(distance=distance, threshold=self.threshold)
