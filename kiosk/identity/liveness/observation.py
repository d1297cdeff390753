"""Turning a sequence of camera frames into face observations: box, five landmarks, eye openness.

Each frame is examined once. What the cues need later is kept (the landmarks, the eye
openness and a grey crop of the face region); the colour frame is not.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.identity.face import FaceBox, FaceModel
from kiosk.identity.liveness.eyes import EyeOpenness, eye_openness
from kiosk.identity.liveness.geometry import inter_eye_distance, yaw_ratio

log = logging.getLogger(__name__)

# Detection is tried at these (scale, upsample) settings in turn until a face is found.
# HOG detection costs in proportion to the pixels scanned. On a 640x480 frame, one core of
# the benchmark machine took about 6 ms for a half-size scan and 30 ms for a full-size
# one; upsampling once would take about 100 ms. The detector's window is 80 px, so the
# half-size scan finds faces from about 160 px wide and the full-size scan from about 80 px.
DETECTION_LADDER: tuple[tuple[float, int], ...] = ((0.5, 0), (1.0, 0))

# Below this inner-eye-corner distance the eye regions are a few pixels wide, too small to
# measure eye openness. In a 640x480 frame it is a face about 50 px wide.
MIN_INTER_EYE_DISTANCE = 12.0

# Frames smaller than this on either side cannot show a face the detector can find.
MIN_FRAME_SIDE = 32

# Margin kept around the face box in the grey crop, as a fraction of the box width, so
# that the planar-motion cue can follow features that move out of the first frame's box.
_CROP_MARGIN = 0.25


@dataclass(frozen=True)
class LiveFrame:
    """One camera frame: an 8-bit BGR image, as :mod:`devices.camera` returns, and its capture time.

    ``timestamp`` is in seconds on a monotonic clock (``time.monotonic()``); only
    differences between frames are used.
    """

    image: np.ndarray
    timestamp: float


@dataclass(frozen=True)
class FaceCrop:
    """A grey crop of one frame around the face, with the crop's top-left corner in frame pixels."""

    grey: np.ndarray
    origin: tuple[int, int]


@dataclass(frozen=True)
class FaceObservation:
    """The customer's face as one frame shows it.

    ``landmarks`` are dlib's five points in frame pixels; ``yaw`` is
    :func:`~kiosk.identity.liveness.geometry.yaw_ratio` of them.
    """

    timestamp: float
    box: FaceBox
    landmarks: np.ndarray
    yaw: float
    inter_eye_distance: float
    eye_openness: EyeOpenness
    crop: FaceCrop


@dataclass(frozen=True)
class ObservedSequence:
    """The observations of one liveness attempt and a count of every frame that gave none.

    ``duration`` is the time from the first to the last frame received, in seconds.
    """

    observations: tuple[FaceObservation, ...]
    frames: int
    unreadable: int
    no_face: int
    face_too_small: int
    several_faces: int
    duration: float

    @property
    def face_fraction(self) -> float:
        """The share of frames in which one usable face was observed."""
        return len(self.observations) / self.frames if self.frames else 0.0

    def to_json(self) -> dict:
        return {
            "frames": self.frames,
            "face_frames": len(self.observations),
            "unreadable": self.unreadable,
            "no_face": self.no_face,
            "face_too_small": self.face_too_small,
            "several_faces": self.several_faces,
            "duration_s": round(self.duration, 3),
        }


def detect_largest_face(model: FaceModel, rgb: np.ndarray) -> tuple[FaceBox | None, int]:
    """Return the largest face found by the DETECTION_LADDER and how many faces that scan found."""
    for scale, upsample in DETECTION_LADDER:
        if scale == 1.0:
            boxes = model.detect(rgb, upsample)
        else:
            height, width = rgb.shape[:2]
            scanned = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
            boxes = [
                FaceBox(round(box.left / scale), round(box.top / scale), round(box.right / scale), round(box.bottom / scale))
                for box in model.detect(scanned, upsample)
            ]
        if boxes:
            return max(boxes, key=lambda box: box.width * box.height), len(boxes)
    return None, 0


def _crop_face(grey: np.ndarray, box: FaceBox) -> FaceCrop:
    margin = round(_CROP_MARGIN * box.width)
    left = max(0, box.left - margin)
    top = max(0, box.top - margin)
    right = min(grey.shape[1], box.right + margin + 1)
    bottom = min(grey.shape[0], box.bottom + margin + 1)
    return FaceCrop(np.ascontiguousarray(grey[top:bottom, left:right]), (left, top))


class FrameObserver:
    """Observes frames one at a time, as a camera delivers them, and collects the sequence.

    One observer serves one attempt. It calls the face model for every frame, so it runs
    on the worker that owns the model, never on the UI thread.
    """

    def __init__(self, model: FaceModel) -> None:
        self.model = model
        self._observations: list[FaceObservation] = []
        self._frames = 0
        self._unreadable = 0
        self._no_face = 0
        self._too_small = 0
        self._several = 0
        self._first_timestamp: float | None = None
        self._last_timestamp: float | None = None

    def observe(self, frame: LiveFrame) -> FaceObservation | None:
        """Examine one frame; return its observation, or None when it shows no usable face.

        Never raises for bad input: a frame that is not an 8-bit BGR image, or whose
        timestamp does not advance, is counted as unreadable and logged.
        """
        self._frames += 1
        image = frame.image
        if (
            not isinstance(image, np.ndarray)
            or image.ndim != 3
            or image.shape[2] != 3
            or image.dtype != np.uint8
            or min(image.shape[:2]) < MIN_FRAME_SIDE
        ):
            self._unreadable += 1
            shape = getattr(image, "shape", None)
            log.warning("liveness: frame %d is unreadable: shape %s, expected HxWx3 uint8 of at least %d px", self._frames, shape, MIN_FRAME_SIDE)
            return None
        if self._last_timestamp is not None and not frame.timestamp > self._last_timestamp:
            self._unreadable += 1
            log.warning("liveness: frame %d has timestamp %.3f, not after %.3f; skipped", self._frames, frame.timestamp, self._last_timestamp)
            return None
        if self._first_timestamp is None:
            self._first_timestamp = frame.timestamp
        self._last_timestamp = frame.timestamp

        rgb = np.ascontiguousarray(image[:, :, ::-1])
        box, faces = detect_largest_face(self.model, rgb)
        if box is None:
            self._no_face += 1
            return None
        if faces > 1:
            self._several += 1

        landmarks = self.model.landmarks(rgb, box)
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        try:
            distance = inter_eye_distance(landmarks)
            openness = eye_openness(grey, landmarks)
        except ValueError as error:
            self._no_face += 1
            log.info("liveness: frame %d: degenerate landmarks: %s", self._frames, error)
            return None
        if distance < MIN_INTER_EYE_DISTANCE:
            self._too_small += 1
            return None

        observation = FaceObservation(
            timestamp=frame.timestamp,
            box=box,
            landmarks=landmarks,
            yaw=yaw_ratio(landmarks),
            inter_eye_distance=distance,
            eye_openness=openness,
            crop=_crop_face(grey, box),
        )
        self._observations.append(observation)
        return observation

    def sequence(self) -> ObservedSequence:
        """Return everything observed so far."""
        duration = 0.0
        if self._first_timestamp is not None and self._last_timestamp is not None:
            duration = self._last_timestamp - self._first_timestamp
        return ObservedSequence(
            observations=tuple(self._observations),
            frames=self._frames,
            unreadable=self._unreadable,
            no_face=self._no_face,
            face_too_small=self._too_small,
            several_faces=self._several,
            duration=duration,
        )


def observe_frames(model: FaceModel, frames: Iterable[LiveFrame]) -> ObservedSequence:
    """Observe every frame of ``frames`` in order; see :meth:`FrameObserver.observe`."""
    observer = FrameObserver(model)
    for frame in frames:
        observer.observe(frame)
    return observer.sequence()
