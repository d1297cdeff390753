"""The devices, models and stores a rental session works with, chosen by the entry point."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from devices.camera import Camera
from devices.idcard.photo import PhotoDecoder
from devices.idcard.reader import IdCardReader
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.template import ContractTemplate
from kiosk.identity.documents import DocumentType
from kiosk.identity.face import FaceMatcher
from kiosk.identity.licence import ProbationPolicy
from kiosk.identity.national_id import NationalIdService
from kiosk.identity.verification import DEFAULT_VALIDITY_MARGIN_MONTHS
from kiosk.rental import Branch
from kiosk.store.rentals import RentalStore


@dataclass
class SessionServices:
    """Everything a session needs; ``clock`` returns an aware time in the branch's zone.

    ``face_capture_attempts`` bounds how many camera frames one face step examines
    before it returns a retry outcome. ``validity_margin_months`` is how long after the
    return date each kind of document must stay valid; ``minimum_age`` and
    ``probation_policy`` are branch rules. With ``liveness_required`` the face step
    records ``liveness_capture_seconds`` of frames while the customer follows a random
    challenge; ``camera_mirrored`` says whether the camera flips frames left to right.
    ``duplicate_face_threshold`` is the descriptor distance under which a known face
    under another identity raises a warning for the clerk. ``national_id`` asks the
    national ID check through HQ; ``None`` is a branch without an HQ link.
    """

    branch: Branch
    reader: IdCardReader
    photo_decoder: PhotoDecoder
    camera: Camera
    face_matcher: FaceMatcher
    store: RentalStore
    template: ContractTemplate
    sealer: ContractSealer
    clock: Callable[[], datetime]
    face_capture_attempts: int = 10
    validity_margin_months: dict[DocumentType, int] = field(default_factory=lambda: dict(DEFAULT_VALIDITY_MARGIN_MONTHS))
    minimum_age: int = 18
    probation_policy: ProbationPolicy = ProbationPolicy.ALLOW
    liveness_required: bool = True
    liveness_capture_seconds: float = 4.0
    camera_mirrored: bool = False
    duplicate_face_threshold: float = 0.45
    national_id: NationalIdService | None = None
