"""Comparing two faces: descriptors, their Euclidean distance and the match threshold.

Two faces are the same person when the distance between their ResNet descriptors is
below the threshold.
"""

import logging
from dataclasses import dataclass

import numpy as np

from kiosk.errors import NoFaceFound, SeveralFacesFound
from kiosk.identity.face.model import FaceDescriptor, FaceModel
from kiosk.identity.face.pipeline import FacePipeline
from kiosk.identity.face.quality import FaceSource

log = logging.getLogger(__name__)

# Chosen from 227,564 impostor and 573 genuine pairs of real photographs (see
# docs/face-calibration.md): at 0.48 the observed false match rate is 0.0075% and the
# false non-match rate 26%, so about one honest customer in four goes to a clerk. A false
# match hands a car to a stranger, so the threshold follows the false match goal.
# NOTE: the photographs are mostly not of Chinese people and the card photos were
# stand-ins; the rates must be checked on real ID-card photos and kiosk captures.
DEFAULT_THRESHOLD = 0.48

# dlib's published operating point for this model on LFW; above it, strangers start to match.
MAX_THRESHOLD = 0.6


@dataclass(frozen=True)
class MatchResult:
    distance: float
    threshold: float

    @property
    def is_match(self) -> bool:
        return self.distance < self.threshold


class FaceMatcher:
    """Describes exactly one face per image and compares descriptors against a threshold."""

    def __init__(self, model: FaceModel, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0 < threshold <= MAX_THRESHOLD:
            raise ValueError(f"face threshold {threshold} must lie in (0, {MAX_THRESHOLD}]; larger lets strangers match")
        self.model = model
        self.threshold = threshold

    def describe_single(self, rgb: np.ndarray, upsample: int = 1) -> FaceDescriptor:
        """Return the descriptor of the only face in ``rgb``, with no quality gate.

        Raises :class:`NoFaceFound` or :class:`SeveralFacesFound`. Small images such as
        the 102×126 card photo need ``upsample`` of 1 or 2 for the detector to see a face.
        :class:`kiosk.identity.face.pipeline.FacePipeline` adds the quality gate.
        """
        boxes = self.model.detect(rgb, upsample)
        if not boxes:
            raise NoFaceFound(f"no face in a {rgb.shape[1]}x{rgb.shape[0]} image")
        if len(boxes) > 1:
            raise SeveralFacesFound(f"{len(boxes)} faces in a {rgb.shape[1]}x{rgb.shape[0]} image")
        return FaceDescriptor(self.model.describe(rgb, boxes[0]), boxes[0])

    def describe_checked(self, rgb: np.ndarray, source: FaceSource = FaceSource.LIVE) -> FaceDescriptor:
        """Return the descriptor of the only face in ``rgb`` once it has passed the quality gate.

        ``source`` picks the gate's thresholds and the detector's upsampling: a camera
        frame is LIVE, the card or passport photo DOCUMENT. Raises :class:`NoFaceFound`,
        :class:`SeveralFacesFound`, or :class:`~kiosk.identity.face.quality.FaceUnusable`
        (a :class:`NoFaceFound`) whose message is the gate's guidance.
        """
        return FacePipeline(self.model).capture_still(rgb, source)

    def compare(self, document: FaceDescriptor, live: FaceDescriptor) -> MatchResult:
        """Return the Euclidean distance between two descriptors and this matcher's threshold."""
        distance = float(np.linalg.norm(document.vector - live.vector))
        return MatchResult(distance=distance, threshold=self.threshold)
