"""The face pipeline: find exactly one face, pass it through the quality gate, then describe it.

Stills (a card photo, a file given to ``countersign face``) are examined one at a time.
A camera stream goes through :class:`LiveCapture`, which follows the face between frames
so that most frames skip the full detection. The ResNet descriptor, the expensive step
(about 75 ms on one core), runs only for a face that passed the gate.
"""

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.errors import NoFaceFound, SeveralFacesFound
from kiosk.identity.face.measures import measure_face
from kiosk.identity.face.model import FaceBox, FaceDescriptor, FaceModel
from kiosk.identity.face.quality import FaceSource, FaceUnusable, QualityReport, assess_quality
from kiosk.identity.face.tracking import FaceObservation, LiveFaceTracker, detect_live
from kiosk.messages import Message

log = logging.getLogger(__name__)

# A document photo is small (102x126 on the resident ID card), so it is scanned enlarged
# twice, which finds faces down to about 18 px wide.
DOCUMENT_UPSAMPLE = 2


class FaceStatus(enum.Enum):
    OK = "ok"
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    LOW_QUALITY = "low_quality"


@dataclass(frozen=True)
class FaceExamination:
    """The pipeline's findings in one image: status, face count and, for one face, its box, landmarks and quality report."""

    status: FaceStatus
    faces: int
    width: int
    height: int
    box: FaceBox | None = None
    landmarks: np.ndarray | None = None
    quality: QualityReport | None = None

    @property
    def reasons(self) -> list[Message]:
        """Return what to tell the person, most important first; empty when the face is usable."""
        if self.status is FaceStatus.NO_FACE:
            return [NoFaceFound.message]
        if self.status is FaceStatus.MULTIPLE_FACES:
            return [SeveralFacesFound.message]
        if self.quality is not None:
            return [issue.message for issue in self.quality.issues]
        return []

    def raise_for_status(self) -> None:
        """Raise :class:`NoFaceFound`, :class:`SeveralFacesFound` or :class:`FaceUnusable` unless the status is OK."""
        size = f"{self.width}x{self.height}"
        if self.status is FaceStatus.NO_FACE:
            raise NoFaceFound(f"no face in a {size} image")
        if self.status is FaceStatus.MULTIPLE_FACES:
            raise SeveralFacesFound(f"{self.faces} faces in a {size} image")
        if self.status is FaceStatus.LOW_QUALITY:
            assert self.quality is not None
            codes = ", ".join(issue.problem.value for issue in self.quality.issues)
            raise FaceUnusable(f"face in a {size} image failed the quality gate: {codes}", self.quality)


class FacePipeline:
    """Detection, landmarks, quality gate and descriptor over one shared :class:`FaceModel`."""

    def __init__(self, model: FaceModel) -> None:
        self.model = model

    def examine_still(self, rgb: np.ndarray, source: FaceSource = FaceSource.LIVE) -> FaceExamination:
        """Find the faces in one RGB ``uint8`` image and pass a single face through the gate.

        A live still is scanned as a camera frame (see
        :func:`~kiosk.identity.face.tracking.detect_live`); a document photo is scanned
        enlarged :data:`DOCUMENT_UPSAMPLE` times.
        """
        if source is FaceSource.DOCUMENT:
            detections = self.model.detect_scaled(rgb, 1.0, upsample=DOCUMENT_UPSAMPLE)
        else:
            detections = detect_live(self.model, rgb)
        observation = FaceObservation(faces=len(detections), box=detections[0].box if len(detections) == 1 else None, source="detected")
        return self.examine_observation(rgb, observation, source)

    def describe(self, rgb: np.ndarray, examination: FaceExamination) -> FaceDescriptor:
        """Return the descriptor of the face an examination of ``rgb`` passed; raises as :meth:`FaceExamination.raise_for_status`."""
        examination.raise_for_status()
        assert examination.box is not None
        return FaceDescriptor(self.model.describe(rgb, examination.box), examination.box)

    def capture_still(self, rgb: np.ndarray, source: FaceSource = FaceSource.LIVE) -> FaceDescriptor:
        """Examine one image and describe its face.

        Raises :class:`NoFaceFound`, :class:`SeveralFacesFound`, or :class:`FaceUnusable`
        (a :class:`NoFaceFound`) carrying the gate's guidance.
        """
        examination = self.examine_still(rgb, source)
        if examination.status is not FaceStatus.OK:
            log.info("face %s: %s", examination.status.value, ", ".join(reason.en for reason in examination.reasons))
        return self.describe(rgb, examination)

    def guidance(self, rgb: np.ndarray, boxes: Sequence[FaceBox]) -> Message | None:
        """Return what to tell the customer about the faces ``boxes`` found in camera frame ``rgb``.

        Returns None when there is exactly one face and it passes the live gate. For a
        caller that detects faces itself, such as the camera preview.
        """
        observation = FaceObservation(faces=len(boxes), box=boxes[0] if len(boxes) == 1 else None, source="detected")
        reasons = self.examine_observation(rgb, observation, FaceSource.LIVE).reasons
        return reasons[0] if reasons else None

    def examine_observation(self, rgb: np.ndarray, observation: FaceObservation, source: FaceSource) -> FaceExamination:
        """Pass the face of ``observation`` (found in ``rgb``) through the gate, or report why there is none."""
        height, width = rgb.shape[:2]
        if observation.faces == 0:
            return FaceExamination(FaceStatus.NO_FACE, 0, width, height)
        if observation.faces > 1:
            return FaceExamination(FaceStatus.MULTIPLE_FACES, observation.faces, width, height)

        box = observation.box
        assert box is not None, "an observation of one face carries its box"
        landmarks = self.model.landmarks(rgb, box)
        report = assess_quality(measure_face(rgb, box, landmarks), source)
        status = FaceStatus.OK if report.passed else FaceStatus.LOW_QUALITY
        return FaceExamination(status, 1, width, height, box=box, landmarks=landmarks, quality=report)


class LiveCapture:
    """The pipeline over a camera stream: one per stream, fed frames in order by one thread.

    Each frame gets a box (tracked or detected), landmarks and the gate's verdict, cheap
    enough for every frame; :meth:`describe` runs the descriptor only when asked.
    """

    def __init__(self, model: FaceModel, tracker: LiveFaceTracker | None = None) -> None:
        self.pipeline = FacePipeline(model)
        self.tracker = tracker or LiveFaceTracker(model)

    def examine(self, rgb: np.ndarray) -> FaceExamination:
        """Return the examination of the next frame of the stream (RGB ``uint8``)."""
        return self.pipeline.examine_observation(rgb, self.tracker.observe(rgb), FaceSource.LIVE)

    def describe(self, rgb: np.ndarray, examination: FaceExamination) -> FaceDescriptor:
        """Return the descriptor of the face that ``examination`` of frame ``rgb`` passed."""
        return self.pipeline.describe(rgb, examination)

    def reset(self) -> None:
        self.tracker.reset()
