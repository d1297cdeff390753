"""Outcomes of checks: every check the kiosk runs returns one, with a reason people can read."""

import enum
from dataclasses import dataclass, field
from typing import Any

from kiosk.messages import Message


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"  # a clerk must look before the rental goes on
    RETRY = "retry"  # the customer can try the step again (card moved, face not found)
    SKIPPED = "skipped"  # the check did not run (by configuration, or its service was unavailable); it neither passes nor blocks


@dataclass(frozen=True)
class Check:
    """One check: its name, outcome, the reason shown to the customer and details for the clerk.

    ``details`` contains figures a clerk may see (scores, thresholds, dates) and never a
    full ID number or a face.
    """

    name: str
    outcome: Outcome
    reason: Message
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "outcome": self.outcome.value,
            "reason": self.reason.to_json(),
            "details": self.details,
        }
