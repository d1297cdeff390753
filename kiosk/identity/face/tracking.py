"""Following one face across camera frames, so that not every frame pays for a full detection.

A HOG detection on a downscaled frame (see :func:`detect_live`) finds the face, and
dlib's correlation tracker then follows it. The frame is scanned again every ``redetect_every`` frames, so that a second
person stepping in is seen, and at once when the tracker's confidence drops.
"""

import logging
from dataclasses import dataclass

import dlib
import numpy as np

from kiosk.identity.face.model import Detection, FaceBox, FaceModel

log = logging.getLogger(__name__)

# Live frames are first scanned at half size. dlib's HOG window is 80x80, and on the test
# photographs it found boxes down to about 70 px. So half size finds faces from about
# 140 px wide, eyes about 56 px apart (a box is about 2.5 times the eye distance), as
# for a customer standing at the kiosk. When
# that finds no face, the frame is scanned at full size, which finds faces from about
# 70 px wide, eyes about 28 px apart, so that the quality gate can ask a customer who
# stands too far away to come closer (its minimum is 40 px) instead of reporting no face.
LIVE_DETECTION_SCALE = 0.5

# Frames between two full detections while the tracker is confident: at 15 frames a
# second, a second face is noticed within a third of a second.
REDETECT_EVERY = 5

# The tracker's peak-to-side-lobe ratio below which the face counts as lost. Tracking
# the faces of four video clips (benchmarks/face_pipeline.py) gave 15.7 at least and 23
# as the median. A photo frame shifted by 40 px still gave 16.8. Cutting from a face to a
# frame without one gave 3.0, and to another person's photo 4.8.
MIN_TRACKING_CONFIDENCE = 7.0


@dataclass(frozen=True)
class FaceObservation:
    """The faces in one frame: how many, and the one followed when there is exactly one.

    ``source`` is "detected" when the frame was scanned, "tracked" when the tracker
    placed the box. ``confidence`` is the tracker's peak-to-side-lobe ratio for a tracked
    frame, else None.
    """

    faces: int
    box: FaceBox | None
    source: str
    confidence: float | None = None


class LiveFaceTracker:
    """Finds and follows the one face in a stream of RGB frames; one instance per camera stream.

    Not thread-safe: one thread feeds the frames. The model's detector is shared and
    locked, the correlation tracker belongs to this instance.
    """

    def __init__(
        self,
        model: FaceModel,
        detection_scale: float = LIVE_DETECTION_SCALE,
        redetect_every: int = REDETECT_EVERY,
        min_confidence: float = MIN_TRACKING_CONFIDENCE,
    ) -> None:
        if redetect_every < 1:
            raise ValueError(f"redetect_every must be at least 1, not {redetect_every}")
        self.model = model
        self.detection_scale = detection_scale
        self.redetect_every = redetect_every
        self.min_confidence = min_confidence
        self._tracker: dlib.correlation_tracker | None = None
        self._frames_since_detection = 0

    def observe(self, rgb: np.ndarray) -> FaceObservation:
        """Return the faces in the next frame, an RGB ``uint8`` array of the stream's size."""
        if self._tracker is not None and self._frames_since_detection < self.redetect_every:
            confidence = self._tracker.update(rgb)
            self._frames_since_detection += 1
            box = _clip(FaceBox.from_rectangle(self._tracker.get_position()), rgb.shape)
            if confidence >= self.min_confidence and box is not None:
                return FaceObservation(faces=1, box=box, source="tracked", confidence=float(confidence))
            log.debug("tracking lost (confidence %.1f); scanning the frame", confidence)

        return self._detect(rgb)

    def reset(self) -> None:
        """Forget the face followed, so that the next frame is scanned."""
        self._tracker = None
        self._frames_since_detection = 0

    def _detect(self, rgb: np.ndarray) -> FaceObservation:
        detections = detect_live(self.model, rgb, self.detection_scale)
        self._frames_since_detection = 0
        if len(detections) != 1:
            self._tracker = None
            return FaceObservation(faces=len(detections), box=None, source="detected")

        box = detections[0].box
        self._tracker = dlib.correlation_tracker()
        self._tracker.start_track(rgb, box.to_rectangle())
        return FaceObservation(faces=1, box=box, source="detected")


# A face at least this share of the largest face's width is someone at the kiosk, not in
# the queue. An estimate: a face twice as far from the camera is half as wide.
COMPANION_FACE_RATIO = 0.5


def detect_live(model: FaceModel, rgb: np.ndarray, scale: float = LIVE_DETECTION_SCALE) -> list[Detection]:
    """Scan a camera frame at ``scale``, and again at full size when that finds no face or one.

    The full-size scan finds a second person the coarse scan missed. Only faces at least
    :data:`COMPANION_FACE_RATIO` as wide as the largest count, so a person queueing
    further back does not count as a second face, while one standing beside the customer
    does. A single face gets its box placed again on a finer grid
    (:meth:`FaceModel.refine`), because its landmarks and descriptor start from that box.
    """
    detections = model.detect_scaled(rgb, scale)
    if len(detections) <= 1 and scale < 1.0:
        full_size = model.detect_scaled(rgb, 1.0)
        if not detections:
            detections = full_size
        elif len(full_size) > 1:
            largest = max(detection.box.width for detection in full_size)
            companions = [detection for detection in full_size if detection.box.width >= COMPANION_FACE_RATIO * largest]
            if len(companions) > 1:
                detections = companions
    if len(detections) == 1:
        found = detections[0]
        detections = [Detection(model.refine(rgb, found.box), found.score, found.sub_detector)]
    return detections


def _clip(box: FaceBox, shape: tuple[int, ...]) -> FaceBox | None:
    """Return ``box`` unchanged when any of it lies in the frame, else None (the tracker drifted off)."""
    height, width = shape[:2]
    if box.right <= 0 or box.bottom <= 0 or box.left >= width or box.top >= height or box.width <= 0 or box.height <= 0:
        return None
    return box
