"""The duplicate-identity search: has this face been seen at the branch under another identity?

The live face's descriptor is compared with every stored face template at once, in one
matrix-vector product. Every template within the threshold that belongs to another
identity than the document presented is reported to the clerk by masked document number
and date, never by full number or by face.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np

from kiosk.checks import Check, Outcome
from kiosk.identity.face import DEFAULT_THRESHOLD
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message

log = logging.getLogger(__name__)

DESCRIPTOR_SIZE = 128

# At most this many other identities are named in the clerk's sentence; the details
# list all of them.
_NAMED_IN_REASON = 3

# Squared distances are first computed as |t|² - 2 t·l + |l|² in the templates' own
# precision (float32 from the store), which can err by about 1e-5; candidates within
# this margin of the threshold are measured again exactly in float64.
_SQUARED_MARGIN = 1e-3


class KnownFaceTemplates(Protocol):
    """Stored templates, one row per template, with their owners; the store's ``KnownFaces`` has this shape.

    ``templates`` is an (N, 128) float array. ``owner_ids`` identifies each row's identity
    (the store's keyed index of the document number), ``masked_numbers`` contains that
    number masked for display, and ``recorded_at`` the ISO 8601 time the face was recorded.
    """

    templates: np.ndarray
    owner_ids: Sequence[str]
    masked_numbers: Sequence[str]
    recorded_at: Sequence[str]


@dataclass(frozen=True)
class DuplicateFace:
    """Another identity whose template matched the live face: its closest template's distance and date."""

    owner_id: str
    masked_number: str
    seen_on: str
    distance: float

    def to_json(self) -> dict:
        return {"number": self.masked_number, "seen_on": self.seen_on, "distance": round(self.distance, 4)}


def _check_inputs(live: np.ndarray, known: KnownFaceTemplates, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    vector = np.asarray(live, dtype=np.float64)
    if vector.shape != (DESCRIPTOR_SIZE,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"the live descriptor must be {DESCRIPTOR_SIZE} finite values, got shape {vector.shape}")
    if not 0 < threshold <= DEFAULT_THRESHOLD:
        raise ValueError(f"search threshold {threshold} must lie in (0, {DEFAULT_THRESHOLD}]")
    templates = np.asarray(known.templates)
    if templates.ndim != 2 or templates.shape[1] != DESCRIPTOR_SIZE:
        raise ValueError(f"templates must have shape (N, {DESCRIPTOR_SIZE}), got {templates.shape}")
    rows = templates.shape[0]
    lengths = {len(known.owner_ids), len(known.masked_numbers), len(known.recorded_at)}
    if lengths != {rows}:
        raise ValueError(f"{rows} templates but owner, number and date lists of lengths {sorted(lengths)}")
    return vector, templates


def _masked(number: str) -> str:
    """Return ``number`` as it may be shown: unchanged when masked, masked here when the store gave it whole."""
    if "*" in number:
        return number
    log.warning("face search: a stored document number came unmasked; masking it for display")
    return mask_id_number(number)


def _date_of(recorded_at: str) -> str:
    try:
        return datetime.fromisoformat(recorded_at).date().isoformat()
    except ValueError:
        log.warning("face search: template recorded at %r, not an ISO 8601 time", recorded_at)
        return "unknown"


def find_duplicates(live: np.ndarray, known: KnownFaceTemplates, own_id: str, threshold: float) -> list[DuplicateFace]:
    """Return every other identity with a template closer than ``threshold`` to ``live``, closest first.

    ``live`` is the live face's 128-value descriptor and ``own_id`` the owner id of the
    document presented, whose own templates are never reported. Each other identity is
    reported once, with its closest template. Template rows with a NaN or infinite value
    are skipped and logged. Raises ValueError for a descriptor or templates of the wrong
    shape, lists of different lengths, or a threshold outside (0, 0.6].

    There is no default threshold, because a search compares one face with every stored
    template and its false alerts grow with their number. On a 582-image LFW subset, 0.6
    (the 1:1 match threshold) put 0.48% of impostor pairs within reach, about 480 false
    alerts per search of 100,000 templates. At 0.45 it was about 5, but 46% of the same
    person's other photos were missed. docs/liveness.md has the table.
    """
    vector, templates = _check_inputs(live, known, threshold)
    if templates.shape[0] == 0:
        return []

    # |t - l|² = |t|² - 2 t·l + |l|², vectorised over all rows without an (N, 128) temporary.
    query = vector.astype(templates.dtype) if templates.dtype in (np.float32, np.float64) else vector
    squared = np.einsum("ij,ij->i", templates, templates) - 2.0 * (templates @ query) + float(vector @ vector)
    finite = np.isfinite(squared)
    if not finite.all():
        log.warning("face search: skipped %d templates with non-finite values", int((~finite).sum()))
    candidates = np.flatnonzero(finite & (squared < threshold * threshold + _SQUARED_MARGIN))

    closest: dict[str, DuplicateFace] = {}
    for row in candidates:
        distance = float(np.linalg.norm(templates[row].astype(np.float64) - vector))
        owner = known.owner_ids[row]
        if distance >= threshold or owner == own_id:
            continue
        if owner not in closest or distance < closest[owner].distance:
            closest[owner] = DuplicateFace(owner, _masked(known.masked_numbers[row]), _date_of(known.recorded_at[row]), distance)
    return sorted(closest.values(), key=lambda duplicate: duplicate.distance)


def search_duplicates(live: np.ndarray, known: KnownFaceTemplates, own_id: str, threshold: float) -> Check:
    """Return the check "face_duplicate": REVIEW when the live face matches another identity's template, else PASS.

    The reason is what the customer sees, so it names nobody. The sentence for the clerk
    ("the same face was seen under another identity: 110105********0013 on 2026-12-01")
    is in ``details["clerk_reason"]``, and every match is in ``details["duplicates"]``.
    Raises ValueError as :func:`find_duplicates` does.
    """
    duplicates = find_duplicates(live, known, own_id, threshold)
    details: dict = {"templates": int(np.asarray(known.templates).shape[0]), "threshold": threshold}
    if not duplicates:
        return Check("face_duplicate", Outcome.PASS, _NO_DUPLICATE, details)

    named = duplicates[:_NAMED_IN_REASON]
    sightings_zh = "；".join(f"{duplicate.masked_number}（{duplicate.seen_on}）" for duplicate in named)
    sightings_en = "; ".join(f"{duplicate.masked_number} on {duplicate.seen_on}" for duplicate in named)
    more = len(duplicates) - len(named)
    if more:
        sightings_zh += f"，另有 {more} 个身份"
        sightings_en += f", and {more} more"
    clerk_reason = Message(
        f"同一张人脸曾以其他身份出现：{sightings_zh}。请核实本人身份后再办理。",
        f"The same face was seen under another identity: {sightings_en}. Check the customer's identity before going on.",
    )
    details["duplicates"] = [duplicate.to_json() for duplicate in duplicates]
    details["clerk_reason"] = clerk_reason.to_json()
    log.warning("face search: live face matches %d other identities (closest %.3f)", len(duplicates), duplicates[0].distance)
    return Check("face_duplicate", Outcome.REVIEW, _SEE_CLERK, details)


_NO_DUPLICATE = Message("未发现同一人脸以其他身份办理的记录。", "This face was not seen under another identity.")
_SEE_CLERK = Message("请到柜台，由工作人员核实您的身份。", "Please go to the counter, where staff will check your identity.")
