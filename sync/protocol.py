"""Version 1 of the messages between a branch and headquarters, shared by both sides.

Three exchanges:

- **Upload** (``POST /v1/events``): a batch of outbox events. The ``event_id`` is the
  idempotency key. Headquarters stores the first result for each key and returns it
  again for a repeat. The same key with different content is a conflict, an error.
- **Pull** (``GET /v1/reference/{dataset}?after=CURSOR``): changes to one reference
  dataset after a cursor, oldest first. The cursor is an integer that only grows, so a
  branch that keeps the last cursor it applied never misses or repeats a change.
- **National ID check** (``POST /v1/id-check``): name and number, optionally the photo.

Every model rejects unknown fields, so a message from a newer version fails loudly
instead of being half understood.
"""

import base64
import hashlib
import json
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PROTOCOL_VERSION = 1

# At most this many events, and about this many bytes of events, go in one upload.
MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 8 * 1024 * 1024

# At most this many changes come back from one pull request.
MAX_PULL_CHANGES = 5000

# Reference data that headquarters owns and branches pull. ``risk_config`` is the
# versioned risk configuration; ``activity`` lists a document's recent visits to other
# branches; ``risk_flags`` carries findings about a person, such as an offline approval
# that the national ID check later rejected.
DATASETS = (
    "blacklist",
    "credit_scores",
    "templates",
    "price_lists",
    "revoked_documents",
    "consent_texts",
    "risk_config",
    "activity",
    "risk_flags",
)

_EVENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_EVENT_TYPE = r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def canonical_json(value: Any) -> str:
    """Return ``value`` as JSON with sorted keys and no spaces, so equal values give equal text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Event(_Message):
    """One branch event as uploaded; ``attachments`` carry large bytes (a contract PDF) in base64."""

    event_id: str = Field(pattern=_EVENT_ID)
    event_type: str = Field(pattern=_EVENT_TYPE, max_length=64)
    aggregate_id: str = Field(min_length=1, max_length=128)
    created_at: datetime
    payload: dict[str, Any]
    attachments: dict[str, str] = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("created_at needs a UTC offset")
        return value

    @field_validator("attachments")
    @classmethod
    def _base64(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            try:
                base64.b64decode(text, validate=True)
            except ValueError as error:
                raise ValueError(f"attachment {name!r} is not base64") from error
        return value

    def attachment(self, name: str) -> bytes | None:
        """Return the decoded attachment ``name``, or ``None``.

        The attachments are decoded once per event, since validation, hashing and storage
        each read a contract's PDF. The cache remembers which dict it decoded, so a copy
        with other attachments (``model_copy``) decodes its own.
        """
        cached = self.__dict__.get("_decoded_attachments")
        if cached is None or cached[0] is not self.attachments:
            cached = (self.attachments, {key: base64.b64decode(text) for key, text in self.attachments.items()})
            self.__dict__["_decoded_attachments"] = cached
        return cached[1].get(name)

    def content_sha256(self) -> str:
        """Return the hash that distinguishes a repeat (same hash) from a conflict (same id, other hash).

        Covers type, aggregate, creation time (as an instant), payload and the hash of each
        attachment, so a re-encoding of the same content gives the same hash.
        """
        content = {
            "event_type": self.event_type,
            "aggregate_id": self.aggregate_id,
            "created_at": self.created_at.timestamp(),
            "payload": self.payload,
            "attachments": {name: hashlib.sha256(self.attachment(name) or b"").hexdigest() for name in self.attachments},
        }
        return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


class UploadRequest(_Message):
    protocol: Literal[1] = PROTOCOL_VERSION
    branch_id: str = Field(pattern=_NAME)
    kiosk_id: str = Field(pattern=_NAME)
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Outcome(str, Enum):
    """The result of one event at headquarters."""

    ACCEPTED = "accepted"  # stored now, or stored earlier with the same content (``repeat`` is true for the latter)
    CONFLICT = "conflict"  # the id was stored earlier with other content: an error, nothing changed
    REJECTED = "rejected"  # the content is invalid (an attachment that does not match its hash, say)


class EventResult(_Message):
    event_id: str
    outcome: Outcome
    repeat: bool = False
    detail: str = ""
    received_at: datetime  # when headquarters first stored the event; for a conflict, the stored one


class UploadResponse(_Message):
    protocol: Literal[1] = PROTOCOL_VERSION
    results: list[EventResult]


class ReferenceChange(_Message):
    """The newest state of one item; ``value`` is ``None`` when the item was removed."""

    key: str = Field(min_length=1, max_length=256)
    cursor: int = Field(ge=1)
    value: dict[str, Any] | None


class PullResponse(_Message):
    protocol: Literal[1] = PROTOCOL_VERSION
    dataset: str
    changes: list[ReferenceChange]
    cursor: int = Field(ge=0)  # the cursor to send next; equal to the request's when nothing changed
    more: bool  # another request would return more changes


class IdCheckRequest(_Message):
    protocol: Literal[1] = PROTOCOL_VERSION
    request_id: str = Field(pattern=_EVENT_ID)
    name: str = Field(min_length=1, max_length=64)
    number: str = Field(min_length=6, max_length=32)
    photo_jpeg_base64: str | None = None


class IdCheckOutcome(str, Enum):
    MATCH = "match"  # the name and number belong together (and the photo matches, when sent)
    MISMATCH = "mismatch"  # the number exists, but the name or the photo does not match it
    NOT_FOUND = "not_found"  # no such number
    UNAVAILABLE = "unavailable"  # the national service did not respond, so the kiosk decides offline


class IdCheckResponse(_Message):
    protocol: Literal[1] = PROTOCOL_VERSION
    request_id: str
    outcome: IdCheckOutcome
    photo_checked: bool = False
    detail: str = ""
    checked_at: datetime


class ProblemResponse(_Message):
    """The body of every 4xx and 5xx response."""

    error: str
    detail: str = ""
