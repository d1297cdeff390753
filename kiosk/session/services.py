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
from kiosk.identity.verification import DEFAULT_VALIDITY_MARGIN_MONTHS
from kiosk.rental import Branch
from kiosk.store.rentals import RentalStore


@dataclass
class SessionServices:
    """Everything a session needs; ``clock`` returns an aware time in the branch's zone.

    ``face_capture_attempts`` bounds how many camera frames one face step examines
    before it returns a retry outcome. ``validity_margin_months`` is how long after the
    return date each kind of document must stay valid.
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
