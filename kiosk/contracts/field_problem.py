"""One difference the contract check found between a contract and what it should say."""

from dataclasses import dataclass

from kiosk.messages import Message


@dataclass(frozen=True)
class FieldProblem:
    """One difference between a contract and its sources.

    ``field`` is the contract field, or the source value (``licence.valid_to``) or
    clause the problem concerns. ``expected`` and ``found`` are the values as printed,
    which may include an ID number: they are for the clerk's screen, never for the
    log. ``label`` names the field for the customer.
    """

    field: str
    expected: str
    found: str
    reason: str
    label: Message | None = None

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "expected": self.expected, "found": self.found, "reason": self.reason}
