"""Stages of a rental session and the record each step leaves."""

import enum
from dataclasses import dataclass
from datetime import datetime

from kiosk.checks import Outcome
from kiosk.messages import Message


class Stage(enum.Enum):
    WELCOME = "welcome"
    CONSENT = "consent"
    DOCUMENT = "document"
    LICENCE = "licence"
    FACE = "face"
    VERIFICATION = "verification"
    CONTRACT = "contract"
    SIGN = "sign"
    DONE = "done"
    REFUSED = "refused"
    CLERK_REVIEW = "clerk_review"
    CANCELLED = "cancelled"


TERMINAL_STAGES = frozenset({Stage.DONE, Stage.REFUSED, Stage.CLERK_REVIEW, Stage.CANCELLED})

# The stages a customer walks through, in order, as a step indicator shows them.
CUSTOMER_STEPS = (
    Stage.CONSENT,
    Stage.DOCUMENT,
    Stage.LICENCE,
    Stage.FACE,
    Stage.VERIFICATION,
    Stage.CONTRACT,
    Stage.SIGN,
    Stage.DONE,
)


@dataclass(frozen=True)
class StageRecord:
    """Record of one step: the stage it ran in, its outcome, the reason and the time."""

    stage: Stage
    outcome: Outcome
    reason: Message
    at: datetime

    def to_json(self) -> dict:
        return {"stage": self.stage.value, "outcome": self.outcome.value, "reason": self.reason.to_json()}
