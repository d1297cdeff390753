"""The verified identity that every later stage works from, whatever document it came from."""

import enum
from dataclasses import dataclass, field
from datetime import date

from kiosk.identity.id_number import mask_id_number


class DocumentType(enum.Enum):
    RESIDENT_ID_CARD = "resident_id_card"


@dataclass(frozen=True)
class Identity:
    """A person as one document states them.

    ``valid_to`` is ``None`` for a long-term card (长期). ``photo`` is the decoded
    document photo as an image file; it is kept in memory only and never stored.
    """

    document_type: DocumentType
    name: str
    sex: str
    birth_date: date
    number: str
    valid_from: date
    valid_to: date | None
    ethnicity: str = ""
    address: str = ""
    issuing_authority: str = ""
    photo: bytes = field(default=b"", repr=False)

    @property
    def masked_number(self) -> str:
        return mask_id_number(self.number)

    def valid_through(self, day: date) -> bool:
        """Return whether the document is valid on every day up to and including ``day``."""
        return self.valid_to is None or day <= self.valid_to
