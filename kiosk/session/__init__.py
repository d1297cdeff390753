"""The rental session: a state machine with no Qt in it, driven by every front end alike."""

from kiosk.session.machine import RentalSession
from kiosk.session.services import SessionServices
from kiosk.session.stages import Stage, StageRecord

__all__ = ["RentalSession", "SessionServices", "Stage", "StageRecord"]
