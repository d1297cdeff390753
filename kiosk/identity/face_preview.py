"""Face detection for the live camera preview, on its own thread, and the guidance shown over the preview.

The preview only guides the customer into position. The session's face step detects
and describes the face again, on a full-size frame, before any matching.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera_feed import CameraFeed
from devices.errors import CameraError
from kiosk.errors import SeveralFacesFound
from kiosk.identity.face import FaceBox, FaceModel
from kiosk.identity.face.pipeline import FacePipeline
from kiosk.identity.images import bgr_to_rgb
from kiosk.messages import Message

log = logging.getLogger(__name__)

# dlib's HOG detector finds faces from about 80 × 80 pixels, or 40 × 40 with one
# upsampling. On a 320-pixel-wide copy of a 640 × 480 frame, that finds faces from about
# 80 pixels wide in the frame, in roughly 40 to 50 ms on one core of a small machine.
PREVIEW_DETECTION_WIDTH = 320
PREVIEW_UPSAMPLE = 1

# A face narrower than this fraction of the frame width is too far away.
# NOTE: 0.2 (128 pixels of a 640-pixel frame) is a provisional choice, not calibrated
# against match scores; the face quality gate is to replace it.
SMALL_FACE_FRACTION = 0.2

# How long the detector waits for a new frame before it checks whether it should stop.
_FRAME_WAIT_S = 0.25
# The pause after a camera error, so that a failed camera does not keep this thread busy.
_CAMERA_ERROR_PAUSE_S = 0.2

LOOK_AT_CAMERA = Message("请正对摄像头", "Please look at the camera")
MOVE_CLOSER = Message("请靠近一些", "Please move closer")
HOLD_STILL = Message("很好，请保持不动", "Good, hold still")

# Computes the guidance for one frame (BGR, full size) and the face boxes found in it.
# It runs on the detector's thread.
Guidance = Callable[[np.ndarray, Sequence[FaceBox]], Message]


def preview_guidance(frame: np.ndarray, boxes: Sequence[FaceBox]) -> Message:
    """Return the sentence shown over the preview for the faces found in ``frame``.

    No face: look at the camera. More than one: only one person. One face narrower than
    ``SMALL_FACE_FRACTION`` of the frame: move closer. Otherwise: hold still.

    It needs no model, so tests and a preview without the gate can use it;
    :func:`gate_guidance` gives the quality gate's own sentences.
    """
    if not boxes:
        return LOOK_AT_CAMERA
    if len(boxes) > 1:
        return SeveralFacesFound.message
    if boxes[0].width < SMALL_FACE_FRACTION * frame.shape[1]:
        return MOVE_CLOSER
    return HOLD_STILL


def gate_guidance(model: FaceModel) -> Guidance:
    """Return a guidance function that runs the live quality gate (pose, light, sharpness, size).

    It says "hold still" when the one face passes the gate, else the gate's first reason.
    """
    pipeline = FacePipeline(model)

    def guidance(frame: np.ndarray, boxes: Sequence[FaceBox]) -> Message:
        return pipeline.guidance(bgr_to_rgb(frame), boxes) or HOLD_STILL

    return guidance


@dataclass(frozen=True)
class PreviewDetection:
    """The faces found in one feed frame, and the guidance for it.

    ``sequence`` and ``timestamp`` are the feed frame's. ``boxes`` are in the full
    frame's pixels, and ``frame_size`` is that frame's (width, height).
    ``duration_s`` is how long detection and guidance took.
    """

    sequence: int
    timestamp: float
    frame_size: tuple[int, int]
    boxes: tuple[FaceBox, ...]
    guidance: Message
    duration_s: float


def detect_preview_faces(
    model: FaceModel, frame: np.ndarray, width: int = PREVIEW_DETECTION_WIDTH, upsample: int = PREVIEW_UPSAMPLE
) -> tuple[FaceBox, ...]:
    """Detect faces on a copy of the BGR ``frame`` scaled to ``width`` pixels, and return boxes in ``frame``'s pixels.

    A frame that is already narrower than ``width`` is used at its own size. Boxes
    are clamped to the frame.
    """
    frame_height, frame_width = frame.shape[:2]
    scale = min(1.0, width / frame_width)
    if scale < 1.0:
        small_size = (max(1, round(frame_width * scale)), max(1, round(frame_height * scale)))
        small = cv2.resize(frame, small_size, interpolation=cv2.INTER_AREA)
    else:
        small = frame

    found = model.detect(bgr_to_rgb(small), upsample)

    boxes = []
    for box in found:
        boxes.append(
            FaceBox(
                left=max(0, round(box.left / scale)),
                top=max(0, round(box.top / scale)),
                right=min(frame_width - 1, round(box.right / scale)),
                bottom=min(frame_height - 1, round(box.bottom / scale)),
            )
        )
    return tuple(boxes)


class PreviewDetector:
    """Detects faces in the feed's newest frame on its own thread, as often as it manages, and keeps the latest result.

    Each detection takes the newest frame that arrived since the last one, so a slow
    detector skips frames rather than falling behind. It calls ``model`` through its
    lock, so it waits while the session's face step uses the model. ``guidance``
    (default :func:`preview_guidance`) runs on this thread too. :meth:`stop` only
    requests the end and returns at once, so the UI thread can call it.
    """

    def __init__(
        self,
        feed: CameraFeed,
        model: FaceModel,
        guidance: Guidance = preview_guidance,
        width: int = PREVIEW_DETECTION_WIDTH,
        upsample: int = PREVIEW_UPSAMPLE,
    ) -> None:
        self.feed = feed
        self.model = model
        self.guidance = guidance
        self.width = width
        self.upsample = upsample
        self._stop_requested = threading.Event()
        self._lock = threading.Lock()
        self._latest: PreviewDetection | None = None
        self._detections = 0
        self._failures = 0
        self._thread = threading.Thread(target=self._run, name="preview-face-detector", daemon=True)

    def start(self) -> "PreviewDetector":
        """Start the detector thread. Raises ``RuntimeError`` when it was started before."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Request the thread to end after its current detection, and return at once."""
        self._stop_requested.set()

    def join(self, timeout_s: float) -> bool:
        """Wait at most ``timeout_s`` seconds for the thread to end and return whether it has ended."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def thread_ident(self) -> int | None:
        return self._thread.ident

    @property
    def detections(self) -> int:
        """How many frames the detector has finished so far."""
        with self._lock:
            return self._detections

    def latest(self) -> PreviewDetection | None:
        """Return the most recent detection, or ``None`` before the first one, without waiting for a detection in progress."""
        with self._lock:
            return self._latest

    def _run(self) -> None:
        log.info("preview face detector started (width %d, upsample %d)", self.width, self.upsample)
        position = 0
        while not self._stop_requested.is_set():
            try:
                frame = self.feed.wait_for_frame(position, _FRAME_WAIT_S)
            except CameraError:
                if not self.feed.running:
                    break
                # The preview shows the feed's error itself; this thread only waits for frames again.
                self._stop_requested.wait(_CAMERA_ERROR_PAUSE_S)
                continue
            position = frame.sequence

            started = time.perf_counter()
            try:
                boxes = detect_preview_faces(self.model, frame.image, self.width, self.upsample)
                guidance = self.guidance(frame.image, boxes)
            except Exception:
                self._failures += 1
                if self._failures == 1:
                    log.exception("preview face detection failed on frame %d; later failures are counted", frame.sequence)
                continue

            height, width = frame.image.shape[:2]
            detection = PreviewDetection(frame.sequence, frame.timestamp, (width, height), boxes, guidance, time.perf_counter() - started)
            with self._lock:
                self._latest = detection
                self._detections += 1

        log.info("preview face detector stopped after %d detections and %d failures", self._detections, self._failures)
