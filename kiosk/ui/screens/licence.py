"""The licence screen: checks the driving licence and ID card validity against the booking."""

from kiosk.ui import session_ops
from kiosk.ui.context import KioskContext
from kiosk.ui.screens.check_results import CheckResultScreen


class LicenceScreen(CheckResultScreen):
    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, "licence.title", "licence.continue", session_ops.check_licence)
