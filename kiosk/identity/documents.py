"""The verified identity that every later stage works from, whatever document it came from."""

import enum
from dataclasses import dataclass, field
from datetime import date

from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message


class DocumentType(enum.Enum):
    RESIDENT_ID_CARD = "resident_id_card"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE_CARD = "foreign_permanent_residence_card"
    PASSPORT = "passport"

    @property
    def label(self) -> Message:
        return _LABELS[self]

    @property
    def domestic(self) -> bool:
        """Return whether the holder is a mainland resident, which sets the validity margin."""
        return self is DocumentType.RESIDENT_ID_CARD


_LABELS = {
    DocumentType.RESIDENT_ID_CARD: Message("居民身份证", "resident ID card"),
    DocumentType.HMT_RESIDENCE_PERMIT: Message("港澳台居民居住证", "residence permit for Hong Kong, Macao and Taiwan residents"),
    DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD: Message("外国人永久居留身份证", "foreigner's permanent residence ID card"),
    DocumentType.PASSPORT: Message("护照", "passport"),
}


@dataclass(frozen=True)
class Identity:
    """A person as one document states them.

    ``name`` is the Chinese name where the document has one, else the name as printed.
    ``valid_to`` is ``None`` for a long-term card (长期). ``photo`` is the decoded
    document photo as an image file; it is kept in memory only and never stored.
    ``warnings`` are findings that do not stop the rental but a clerk should see, such
    as an abolished division code.
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
    name_en: str = ""
    nationality: str = "CHN"  # ISO 3166-1 alpha-3
    pass_number: str = ""  # Mainland travel permit of a Hong Kong, Macao or Taiwan resident
    issue_count: int | None = None
    card_version: str = ""
    photo: bytes = field(default=b"", repr=False)
    warnings: tuple[Message, ...] = ()

    @property
    def masked_number(self) -> str:
        return mask_id_number(self.number)

    @property
    def display_name(self) -> str:
        """Return the Chinese name, with the English name beside it when both exist."""
        if self.name and self.name_en and self.name != self.name_en:
            return f"{self.name} ({self.name_en})"
        return self.name or self.name_en

    def valid_through(self, day: date) -> bool:
        """Return whether the document is valid on every day up to and including ``day``."""
        return self.valid_to is None or day <= self.valid_to
