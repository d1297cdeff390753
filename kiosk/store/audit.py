"""The audit log: an append-only, hash-chained record of who read or changed what, and why.

Every entry's hash is SHA-256 over the canonical JSON of its other fields, the
previous entry's hash included, so an altered, removed or reordered entry breaks the
chain. The last entry's sequence and hash are also kept in ``store_meta``, so that
removing entries from the end is detected too. SQLite triggers (migration 6) reject
UPDATE and DELETE on the table for every connection that opens the store.

Entries carry account ids, customer ids, contract numbers and masked ID numbers only:
never a full ID number, a name, a face, a PIN or a key.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlcipher3

from kiosk.store.evidence import canonical_json

# The previous hash of the first entry.
GENESIS_HASH = "0" * 64

# Version of the serialisation below; a change to it needs a new number.
AUDIT_FORMAT = 1

_HEAD_KEY = "audit_head"

# Actor ids of entries that no signed-in account made: the first account's creation,
# and a sign-in attempt with an account id that does not exist.
BOOTSTRAP_ACTOR = "(bootstrap)"
UNKNOWN_ACCOUNT_ACTOR = "(unknown)"

# A run of 15 to 18 digits (the last may be the check character X) that is a token of its own
# looks like a full resident ID number, which an audit subject must never contain. A run
# inside a longer token of letters and digits, such as a verification's hex UUID, is not.
_FULL_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[\dXx](?![0-9A-Za-z])")

_COLUMNS = (
    "sequence, recorded_at, actor_id, actor_role, action, subject, purpose, outcome, details, previous_hash, entry_hash"
)


@dataclass(frozen=True)
class AuditEntry:
    """One link of the audit chain; ``details`` contains counts and ids, never personal data."""

    sequence: int
    recorded_at: str
    actor_id: str
    actor_role: str
    action: str
    subject: str | None
    purpose: str | None
    outcome: str
    details: dict
    previous_hash: str
    entry_hash: str

    def computed_hash(self) -> str:
        """Return the hash of this entry's contents, to compare with ``entry_hash``."""
        return entry_hash_of(
            self.sequence,
            self.recorded_at,
            self.actor_id,
            self.actor_role,
            self.action,
            self.subject,
            self.purpose,
            self.outcome,
            self.details,
            self.previous_hash,
        )

    def to_json(self) -> dict:
        return dict(self.__dict__)


def entry_hash_of(
    sequence: int,
    recorded_at: str,
    actor_id: str,
    actor_role: str,
    action: str,
    subject: str | None,
    purpose: str | None,
    outcome: str,
    details: dict,
    previous_hash: str,
) -> str:
    """Return the SHA-256 (hex) of an entry's canonical JSON, which includes ``previous_hash``."""
    document = {
        "format": AUDIT_FORMAT,
        "sequence": sequence,
        "recorded_at": recorded_at,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "subject": subject,
        "purpose": purpose,
        "outcome": outcome,
        "details": details,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _entry_from_row(row: tuple) -> AuditEntry:
    return AuditEntry(
        sequence=row[0],
        recorded_at=row[1],
        actor_id=row[2],
        actor_role=row[3],
        action=row[4],
        subject=row[5],
        purpose=row[6],
        outcome=row[7],
        details=json.loads(row[8]),
        previous_hash=row[9],
        entry_hash=row[10],
    )


def append_audit(
    connection: sqlcipher3.Connection,
    at: datetime,
    actor_id: str,
    actor_role: str,
    action: str,
    subject: str | None = None,
    purpose: str | None = None,
    outcome: str = "ok",
    details: dict | None = None,
) -> AuditEntry:
    """Append one entry as the chain's next link and move the head in ``store_meta``.

    Must run inside a write transaction (``Database.transaction``), which holds the
    store's write lock, so that two connections never take the same sequence number.
    ``at`` must be timezone-aware. Raises ``ValueError`` for a naive time, or for a
    subject or detail that contains what looks like a full ID number.
    """
    if at.tzinfo is None:
        raise ValueError("an audit time must be timezone-aware")
    details = details or {}
    for text in (subject or "", purpose or "", json.dumps(details, ensure_ascii=False)):
        if _FULL_ID_NUMBER.search(text):
            raise ValueError("an audit entry must not contain a full ID number; use a customer id or a masked number")

    last = connection.execute("SELECT sequence, entry_hash FROM audit_log ORDER BY sequence DESC LIMIT 1").fetchone()
    sequence, previous_hash = (1, GENESIS_HASH) if last is None else (last[0] + 1, last[1])
    recorded_at = at.isoformat()
    entry_hash = entry_hash_of(
        sequence, recorded_at, actor_id, actor_role, action, subject, purpose, outcome, details, previous_hash
    )

    connection.execute(
        f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sequence,
            recorded_at,
            actor_id,
            actor_role,
            action,
            subject,
            purpose,
            outcome,
            json.dumps(details, ensure_ascii=False, sort_keys=True),
            previous_hash,
            entry_hash,
        ),
    )
    connection.execute(
        "INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, ?)",
        (_HEAD_KEY, json.dumps({"sequence": sequence, "entry_hash": entry_hash})),
    )
    return AuditEntry(
        sequence, recorded_at, actor_id, actor_role, action, subject, purpose, outcome, details, previous_hash, entry_hash
    )


def read_audit_entries(
    connection: sqlcipher3.Connection, since: datetime | None = None, until: datetime | None = None
) -> list[AuditEntry]:
    """Return the entries recorded in ``[since, until)`` (all of them without bounds), in sequence order."""
    rows = connection.execute(
        f"SELECT {_COLUMNS} FROM audit_log "
        "WHERE (? IS NULL OR julianday(recorded_at) >= julianday(?)) "
        "  AND (? IS NULL OR julianday(recorded_at) < julianday(?)) ORDER BY sequence",
        (
            since.isoformat() if since else None,
            since.isoformat() if since else None,
            until.isoformat() if until else None,
            until.isoformat() if until else None,
        ),
    ).fetchall()
    return [_entry_from_row(row) for row in rows]


@dataclass(frozen=True)
class AuditProblem:
    """A break in the chain at ``sequence``; ``problem`` names what is wrong in English."""

    sequence: int | None
    problem: str

    def to_json(self) -> dict:
        return {"sequence": self.sequence, "problem": self.problem}


@dataclass(frozen=True)
class AuditChainReport:
    """The outcome of :func:`verify_audit_chain`: entries read and every problem found."""

    entries: int
    head_sequence: int | None
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_sequence": self.head_sequence,
            "problems": [problem.to_json() for problem in self.problems],
        }


def verify_audit_chain(connection: sqlcipher3.Connection) -> AuditChainReport:
    """Check every entry's hash, every link to its predecessor, and the head in ``store_meta``.

    Finds an altered entry (its hash no longer matches), a removed entry (a gap in the
    sequence or a link to a hash that is not the previous entry's), reordered entries
    (links that no longer follow) and entries removed from the end (the head names a
    later entry than the last one stored).
    """
    entries = read_audit_entries(connection)
    problems: list[AuditProblem] = []

    expected_previous = GENESIS_HASH
    expected_sequence = 1
    for entry in entries:
        if entry.sequence != expected_sequence:
            problems.append(
                AuditProblem(entry.sequence, f"sequence {entry.sequence} follows {expected_sequence - 1}: entries are missing")
            )
        if entry.computed_hash() != entry.entry_hash:
            problems.append(AuditProblem(entry.sequence, "the entry's contents do not match its hash: it was altered"))
        if entry.previous_hash != expected_previous:
            problems.append(
                AuditProblem(entry.sequence, "the entry does not link to the entry before it: entries were removed or reordered")
            )
        expected_previous = entry.entry_hash
        expected_sequence = entry.sequence + 1

    row = connection.execute("SELECT value FROM store_meta WHERE name = ?", (_HEAD_KEY,)).fetchone()
    head = json.loads(row[0]) if row else None
    if head is None and entries:
        problems.append(AuditProblem(None, "the chain head is missing from store_meta"))
    elif head is not None:
        last = entries[-1] if entries else None
        if last is None or last.sequence != head["sequence"] or last.entry_hash != head["entry_hash"]:
            stored = last.sequence if last else 0
            problems.append(
                AuditProblem(
                    head["sequence"],
                    f"the chain head names entry {head['sequence']}, the last stored is {stored}: entries were removed from the end or altered",
                )
            )

    return AuditChainReport(len(entries), head["sequence"] if head else None, problems)
