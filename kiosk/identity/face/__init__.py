"""Face detection, quality checks and matching with dlib on the CPU.

Detection uses dlib's HOG detector, alignment its 5-point landmark model and the
descriptor its ResNet model, all loaded from the ``face_recognition_models`` package.
:mod:`.quality` decides whether a face is good enough to match and what the customer
should change, :mod:`.tracking` follows a face across camera frames, and
:mod:`.pipeline` puts them together.
"""

from kiosk.identity.face.matching import DEFAULT_THRESHOLD, MAX_THRESHOLD, FaceMatcher, MatchResult
from kiosk.identity.face.model import Detection, FaceBox, FaceDescriptor, FaceModel
from kiosk.identity.face.quality import FaceSource, FaceUnusable

__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_THRESHOLD",
    "Detection",
    "FaceBox",
    "FaceDescriptor",
    "FaceMatcher",
    "FaceModel",
    "FaceSource",
    "FaceUnusable",
    "MatchResult",
]
