"""Evidence records: the hashes of what a customer saw, confirmed and signed, chained per branch.

Each signed contract gets one record, written in the contract's own transaction. The
record holds SHA-256 digests of the stored contract parts and the previous record's
hash, and its own hash over a canonical serialisation of all of that. Removing,
reordering or altering a contract, or its record, therefore breaks the chain.

The digests are taken over the values as stored, read back inside the transaction, so
the writer and :mod:`kiosk.store.archive` compute them with the same code:

- ``template_sha256``: the contract's template hash, copied.
- ``pdf_sha256``: the signed PDF's bytes.
- ``strokes_sha256``: the signature strokes JSON text, UTF-8.
- ``verification_sha256``: the verification's checks JSON text, UTF-8.
- ``acknowledgements_sha256``: the canonical JSON of the acknowledgements text and the
  reading time in seconds.
- ``contract_sha256``: the canonical JSON of the contract row's other columns.
"""

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlcipher3

# The previous hash of a branch's first record.
GENESIS_HASH = "0" * 64

# Version of the serialisation below; a change to it needs a new number.
EVIDENCE_FORMAT = 1

_HEAD_KEY = "evidence_head:{branch_id}"

MATERIAL_COLUMNS = (
    "c.contract_no, c.verification_id, c.customer_id, c.reservation_no, c.template_id, c.template_version, "
    "c.template_sha256, c.fields, c.acknowledgements, c.reading_seconds, c.signature_strokes, c.pdf, "
    "c.pdf_sha256, c.signer_subject, c.signed_at, v.checks"
)
MATERIAL_JOIN = "contracts c LEFT JOIN verifications v ON v.verification_id = c.verification_id"


@dataclass(frozen=True)
class ContractReading:
    """How the customer read the contract, as the contract screen measured it.

    ``reading_seconds`` is how long the contract was on screen before the customer
    confirmed. ``ticked_after_seconds`` maps a clause id to the seconds from the
    contract's display to the tick of its box. ``None`` and an empty map mean not
    measured, as in the headless demo. Raises ``ValueError`` for a negative or
    non-finite time, or a tick later than the confirmation.
    """

    reading_seconds: float | None = None
    ticked_after_seconds: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reading_seconds is not None and not (math.isfinite(self.reading_seconds) and self.reading_seconds >= 0):
            raise ValueError(f"reading_seconds must be a finite number >= 0, not {self.reading_seconds!r}")
        for clause_id, seconds in self.ticked_after_seconds.items():
            if not (math.isfinite(seconds) and seconds >= 0):
                raise ValueError(f"the tick time of clause {clause_id} must be a finite number >= 0, not {seconds!r}")
            if self.reading_seconds is not None and seconds > self.reading_seconds:
                raise ValueError(
                    f"clause {clause_id} was ticked after {seconds} s, later than the confirmation at {self.reading_seconds} s"
                )


@dataclass(frozen=True)
class ContractMaterial:
    """A stored contract's columns and its verification's checks, as the digests read them."""

    contract_no: str
    verification_id: str
    customer_id: int
    reservation_no: str
    template_id: str
    template_version: str
    template_sha256: str
    fields_json: str
    acknowledgements_json: str
    reading_seconds: float | None
    strokes_json: str
    pdf: bytes
    pdf_sha256: str
    signer_subject: str
    signed_at: str
    checks_json: str | None  # None when the verification row is missing

    @classmethod
    def from_row(cls, row: tuple) -> "ContractMaterial":
        """Build from the sixteen values of a ``SELECT MATERIAL_COLUMNS`` row."""
        values = list(row)
        values[11] = bytes(values[11])
        return cls(*values)


@dataclass(frozen=True)
class EvidenceDigests:
    """The SHA-256 digests (hex) of one contract's parts; the module docstring lists what each covers."""

    template_sha256: str
    pdf_sha256: str
    strokes_sha256: str
    verification_sha256: str
    acknowledgements_sha256: str
    contract_sha256: str

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EvidenceRecord:
    """One link of a branch's chain: a contract's digests, the previous link and this link's hash."""

    branch_id: str
    sequence: int
    contract_no: str
    previous_contract_no: str | None
    digests: EvidenceDigests
    previous_hash: str
    record_hash: str

    def computed_hash(self) -> str:
        """Return the hash of this record's contents, to compare with ``record_hash``."""
        return record_hash_of(
            self.branch_id, self.sequence, self.contract_no, self.previous_contract_no, self.digests, self.previous_hash
        )


def canonical_json(value: object) -> bytes:
    """Serialise ``value`` as UTF-8 JSON with sorted keys and no spaces, so equal values give equal bytes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_material(material: ContractMaterial) -> EvidenceDigests:
    """Compute the digests of a stored contract.

    A missing verification row gives a verification digest that no stored row can have.
    """
    if material.checks_json is None:
        verification = "missing"
    else:
        verification = _sha256(material.checks_json.encode("utf-8"))
    acknowledgements = canonical_json(
        {"acknowledgements": material.acknowledgements_json, "reading_seconds": material.reading_seconds}
    )
    contract = canonical_json(
        {
            "contract_no": material.contract_no,
            "verification_id": material.verification_id,
            "customer_id": material.customer_id,
            "reservation_no": material.reservation_no,
            "template_id": material.template_id,
            "template_version": material.template_version,
            "fields": material.fields_json,
            "pdf_sha256": material.pdf_sha256,
            "signer_subject": material.signer_subject,
            "signed_at": material.signed_at,
        }
    )
    return EvidenceDigests(
        template_sha256=material.template_sha256,
        pdf_sha256=_sha256(material.pdf),
        strokes_sha256=_sha256(material.strokes_json.encode("utf-8")),
        verification_sha256=verification,
        acknowledgements_sha256=_sha256(acknowledgements),
        contract_sha256=_sha256(contract),
    )


def record_hash_of(
    branch_id: str,
    sequence: int,
    contract_no: str,
    previous_contract_no: str | None,
    digests: EvidenceDigests,
    previous_hash: str,
) -> str:
    """Return the SHA-256 (hex) of the canonical JSON of a record's fields and :data:`EVIDENCE_FORMAT`."""
    return _sha256(
        canonical_json(
            {
                "format": EVIDENCE_FORMAT,
                "branch_id": branch_id,
                "sequence": sequence,
                "contract_no": contract_no,
                "previous_contract_no": previous_contract_no,
                "previous_hash": previous_hash,
                **digests.to_json(),
            }
        )
    )


def load_material(connection: sqlcipher3.Connection, contract_no: str) -> ContractMaterial:
    """Read a stored contract's material; raises ``KeyError`` when the contract is not stored."""
    row = connection.execute(f"SELECT {MATERIAL_COLUMNS} FROM {MATERIAL_JOIN} WHERE c.contract_no = ?", (contract_no,)).fetchone()
    if row is None:
        raise KeyError(f"contract {contract_no} is not stored")
    return ContractMaterial.from_row(row)


@dataclass(frozen=True)
class ChainHead:
    """The last record of a branch's chain, kept in ``store_meta`` so that removing it is detectable."""

    sequence: int
    contract_no: str
    record_hash: str


def read_chain_head(connection: sqlcipher3.Connection, branch_id: str) -> ChainHead | None:
    """Return the branch's chain head, or ``None`` before its first evidence record."""
    row = connection.execute(
        "SELECT value FROM store_meta WHERE name = ?", (_HEAD_KEY.format(branch_id=branch_id),)
    ).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return ChainHead(int(data["sequence"]), data["contract_no"], data["record_hash"])


def append_evidence(connection: sqlcipher3.Connection, branch_id: str, contract_no: str) -> EvidenceRecord:
    """Write the evidence record of the stored contract ``contract_no`` as the branch's next link.

    Must run inside the write transaction that inserted the contract. That transaction
    began with ``BEGIN IMMEDIATE`` and so holds the store's write lock, and the last
    link read here stays the last one until the commit. Two connections that save
    contracts at once therefore still produce one linear chain. Raises ``KeyError``
    when the contract is not stored.
    """
    material = load_material(connection, contract_no)
    digests = digest_material(material)

    last = connection.execute(
        "SELECT sequence, contract_no, record_hash FROM contract_evidence WHERE branch_id = ? "
        "ORDER BY sequence DESC LIMIT 1",
        (branch_id,),
    ).fetchone()
    if last is None:
        sequence, previous_contract_no, previous_hash = 1, None, GENESIS_HASH
    else:
        sequence, previous_contract_no, previous_hash = last[0] + 1, last[1], last[2]

    record = EvidenceRecord(
        branch_id=branch_id,
        sequence=sequence,
        contract_no=contract_no,
        previous_contract_no=previous_contract_no,
        digests=digests,
        previous_hash=previous_hash,
        record_hash=record_hash_of(branch_id, sequence, contract_no, previous_contract_no, digests, previous_hash),
    )
    connection.execute(
        "INSERT INTO contract_evidence (branch_id, sequence, contract_no, previous_contract_no, template_sha256, "
        " pdf_sha256, strokes_sha256, verification_sha256, acknowledgements_sha256, contract_sha256, previous_hash, "
        " record_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            branch_id,
            sequence,
            contract_no,
            previous_contract_no,
            digests.template_sha256,
            digests.pdf_sha256,
            digests.strokes_sha256,
            digests.verification_sha256,
            digests.acknowledgements_sha256,
            digests.contract_sha256,
            previous_hash,
            record.record_hash,
        ),
    )
    head = {"sequence": sequence, "contract_no": contract_no, "record_hash": record.record_hash}
    connection.execute(
        "INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, ?)",
        (_HEAD_KEY.format(branch_id=branch_id), json.dumps(head)),
    )
    return record


EVIDENCE_COLUMNS = (
    "e.branch_id, e.sequence, e.contract_no, e.previous_contract_no, e.template_sha256, e.pdf_sha256, "
    "e.strokes_sha256, e.verification_sha256, e.acknowledgements_sha256, e.contract_sha256, e.previous_hash, "
    "e.record_hash"
)


def record_from_row(row: tuple) -> EvidenceRecord:
    """Build a record from the twelve values of a ``SELECT EVIDENCE_COLUMNS`` row."""
    return EvidenceRecord(
        branch_id=row[0],
        sequence=row[1],
        contract_no=row[2],
        previous_contract_no=row[3],
        digests=EvidenceDigests(*row[4:10]),
        previous_hash=row[10],
        record_hash=row[11],
    )


def read_evidence(connection: sqlcipher3.Connection, contract_no: str) -> EvidenceRecord | None:
    """Return the evidence record of ``contract_no``, or ``None`` when it has none."""
    row = connection.execute(
        f"SELECT {EVIDENCE_COLUMNS} FROM contract_evidence e WHERE e.contract_no = ?", (contract_no,)
    ).fetchone()
    return record_from_row(row) if row is not None else None
