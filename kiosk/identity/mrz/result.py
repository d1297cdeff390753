"""The result of parsing one MRZ: its fields, errors and warnings, and the masked document number."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk.identity.mrz.characters import FILLER
from kiosk.identity.mrz.errors import MrzError, MrzInvalid
from kiosk.identity.mrz.layouts import MrzFormat
from kiosk.messages import Message


@dataclass(frozen=True)
class MrzWarning:
    """Something a clerk should know that does not make the MRZ invalid."""

    code: str
    field: str
    message: Message

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message.to_json()}


@dataclass(frozen=True)
class MrzResult:
    """The fields of one MRZ and every problem found in it.

    ``raw`` maps each field name to its characters as printed, fillers included; it is
    what cross-checks compare. Names are split per ICAO 9303 part 3: the primary
    identifier (surname) comes before the first ``<<`` and the secondary identifier
    (given names) after it. A single ``<`` inside either stood for a space or a
    hyphen on the data page, so components are joined with spaces here. Apostrophes
    are left out of an MRZ, so none appear in the names. ``birth_date`` is ``None``
    when the MRZ leaves part of it unknown (fillers) or it is invalid.
    """

    format: MrzFormat | None
    lines: tuple[str, ...] = field(default=(), repr=False)
    raw: dict[str, str] = field(default_factory=dict, repr=False)
    document_number: str = field(default="", repr=False)
    primary_identifier: str = field(default="", repr=False)
    secondary_identifier: str = field(default="", repr=False)
    birth_date: date | None = field(default=None, repr=False)
    expiry_date: date | None = None
    name_possibly_truncated: bool = False
    errors: tuple[MrzError, ...] = ()
    warnings: tuple[MrzWarning, ...] = ()

    @property
    def valid(self) -> bool:
        return self.format is not None and not self.errors

    @property
    def document_code(self) -> str:
        return self.raw.get("document_code", "").rstrip(FILLER)

    @property
    def issuing_state(self) -> str:
        return self.raw.get("issuing_state", "").rstrip(FILLER)

    @property
    def nationality(self) -> str:
        return self.raw.get("nationality", "").rstrip(FILLER)

    @property
    def sex(self) -> str:
        return self.raw.get("sex", "")

    @property
    def masked_document_number(self) -> str:
        return mask_document_number(self.document_number)

    def require_valid(self) -> "MrzResult":
        """Return ``self`` when valid; raises :class:`MrzInvalid` listing every problem."""
        if not self.valid:
            raise MrzInvalid(self.errors)
        return self

    def fields_json(self) -> dict[str, Any]:
        """Return the parsed fields as JSON values; empty for an MRZ whose layout is unknown."""
        if self.format is None:
            return {}
        values: dict[str, Any] = {
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "document_number": self.document_number,
            "primary_identifier": self.primary_identifier,
            "secondary_identifier": self.secondary_identifier,
            "name_possibly_truncated": self.name_possibly_truncated,
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
        }
        for name in ("optional_data", "optional_data_2"):
            if name in self.raw:
                values[name] = self.raw[name].rstrip(FILLER)
        return values

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "format": self.format.value if self.format else None,
            "fields": self.fields_json(),
            "errors": [error.to_json() for error in self.errors],
            "warnings": [warning.to_json() for warning in self.warnings],
        }


def mask_document_number(number: str) -> str:
    """Keep the first character and the last two, as logs and receipts show a document number."""
    if len(number) < 6:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 3) + number[-2:]
