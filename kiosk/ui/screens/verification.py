"""The verification screen: matches the face to the card photo and lists every identity check."""

from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.screens.check_results import CheckResultScreen


class VerificationScreen(CheckResultScreen):
    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "verification.title", "verification.continue", session_ops.verify)
