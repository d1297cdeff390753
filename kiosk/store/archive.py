"""Checking the contract archive: every branch's evidence chain and every stored PDF.

The check reads the store row by row, so its memory does not grow with the number of
contracts. It reports each problem against a contract number. A removed contract is
named by the record that followed it (each record names its predecessor) or, for the
last one, by the branch's chain head.

NOTE: the chain shows changes made without the evidence code. Anyone with the store
key can rewrite every record consistently, so only a comparison with the record hashes
already sent to headquarters in ``contract.signed`` events can show that; no such
comparison exists yet.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509

from kiosk.contracts.validation import SealInvalid, validate_sealed_pdf
from kiosk.store.database import Database
from kiosk.store.evidence import (
    EVIDENCE_COLUMNS,
    GENESIS_HASH,
    MATERIAL_COLUMNS,
    ChainHead,
    ContractMaterial,
    EvidenceRecord,
    digest_material,
    read_chain_head,
    record_from_row,
)

log = logging.getLogger(__name__)

_EVIDENCE_COUNT = len(EVIDENCE_COLUMNS.split(","))

_CHAIN_QUERY = (
    f"SELECT {EVIDENCE_COLUMNS}, {MATERIAL_COLUMNS} "
    "FROM contract_evidence e "
    "LEFT JOIN contracts c ON c.contract_no = e.contract_no "
    "LEFT JOIN verifications v ON v.verification_id = c.verification_id "
    "ORDER BY e.branch_id, e.sequence"
)

_UNCHAINED_QUERY = (
    "SELECT c.contract_no, c.pdf, c.pdf_sha256, c.signer_subject, "
    "       c.contract_no IN (SELECT contract_no FROM contracts_before_evidence) "
    "FROM contracts c "
    "WHERE NOT EXISTS (SELECT 1 FROM contract_evidence e WHERE e.contract_no = c.contract_no) "
    "ORDER BY c.contract_no"
)

# What each digest covers, as named in a problem report.
_DIGEST_PARTS = {
    "template_sha256": "template hash",
    "pdf_sha256": "PDF",
    "strokes_sha256": "signature strokes",
    "verification_sha256": "verification result",
    "acknowledgements_sha256": "acknowledgements or reading time",
    "contract_sha256": "contract fields",
}


@dataclass(frozen=True)
class ArchiveProblem:
    """One finding, against the contract it concerns."""

    contract_no: str
    problem: str

    def to_json(self) -> dict[str, str]:
        return {"contract_no": self.contract_no, "problem": self.problem}


@dataclass
class ArchiveReport:
    """The result of :func:`verify_archive`.

    ``contracts`` counts the stored contracts checked. ``unchained`` counts those signed
    before the store kept evidence records, whose PDFs are checked but which have no
    place in a chain.
    """

    contracts: int = 0
    unchained: int = 0
    problems: list[ArchiveProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, contract_no: str, problem: str) -> None:
        self.problems.append(ArchiveProblem(contract_no, problem))

    def to_json(self) -> dict:
        return {"ok": self.ok, "contracts": self.contracts, "problems": [problem.to_json() for problem in self.problems]}


def verify_archive(database: Database, trust_roots: list[asn1_x509.Certificate]) -> ArchiveReport:
    """Check every evidence chain, every contract against its record, and every stored PDF.

    ``trust_roots`` are passed to the seal validator so that it can build the signer's
    certificate path; the archive check itself reports whether the signed bytes are
    intact and the signature verifies, not whether the signer is trusted today.
    Must run on the store's owner thread. Raises ``sqlcipher3.DatabaseError`` when the
    store cannot be read.
    """
    database.owner.check()
    connection = database.connection
    report = ArchiveReport()
    started = time.monotonic()

    walks: dict[str, _ChainWalk] = {}
    for row in connection.execute(_CHAIN_QUERY):
        record = record_from_row(row[:_EVIDENCE_COUNT])
        walk = walks.get(record.branch_id)
        if walk is None:
            walk = walks[record.branch_id] = _ChainWalk(record.branch_id, report, connection)
        walk.step(record)

        material_row = row[_EVIDENCE_COUNT:]
        if material_row[0] is None:
            report.add(record.contract_no, "contract removed: its evidence record remains, the contract row does not")
            continue
        report.contracts += 1
        material = ContractMaterial.from_row(material_row)
        _check_digests(record, material, report)
        _check_seal(material.contract_no, material.pdf, material.signer_subject, trust_roots, report)

    branches = [row[0].split(":", 1)[1] for row in connection.execute("SELECT name FROM store_meta WHERE name LIKE 'evidence_head:%'")]
    for branch_id in sorted(set(branches) | set(walks)):
        walk = walks.get(branch_id) or _ChainWalk(branch_id, report, connection)
        walk.finish(read_chain_head(connection, branch_id))

    _check_sent_contracts(connection, report)

    for contract_no, pdf, pdf_sha256, signer_subject, before_evidence in connection.execute(_UNCHAINED_QUERY):
        report.contracts += 1
        pdf = bytes(pdf)
        if before_evidence:
            report.unchained += 1
            if hashlib.sha256(pdf).hexdigest() != pdf_sha256:
                report.add(contract_no, "PDF differs from the SHA-256 stored with the contract")
        else:
            report.add(contract_no, "no evidence record: the contract is not in its branch's chain")
        _check_seal(contract_no, pdf, signer_subject, trust_roots, report)

    log.info(
        "archive check: %d contracts (%d signed before evidence records), %d problems, %.1f s",
        report.contracts,
        report.unchained,
        len(report.problems),
        time.monotonic() - started,
    )
    return report


class _ChainWalk:
    """Follows one branch's records in sequence order and reports gaps and broken links."""

    def __init__(self, branch_id: str, report: ArchiveReport, connection) -> None:
        self.branch_id = branch_id
        self.report = report
        self.connection = connection
        self.last: EvidenceRecord | None = None

    def _stored(self, contract_no: str) -> bool:
        row = self.connection.execute("SELECT 1 FROM contracts WHERE contract_no = ?", (contract_no,)).fetchone()
        return row is not None

    def step(self, record: EvidenceRecord) -> None:
        report = self.report
        if record.computed_hash() != record.record_hash:
            report.add(record.contract_no, "evidence record altered: its hash does not match its contents")

        expected_sequence = self.last.sequence + 1 if self.last else 1
        expected_hash = self.last.record_hash if self.last else GENESIS_HASH
        expected_previous = self.last.contract_no if self.last else None

        if record.sequence > expected_sequence:
            missing = record.sequence - expected_sequence
            named = record.previous_contract_no
            if named is not None and named != expected_previous:
                earlier = f", and {missing - 1} record(s) before it" if missing > 1 else ""
                if self._stored(named):
                    report.add(named, f"evidence record removed: the record of {record.contract_no} links to it{earlier}")
                else:
                    report.add(named, f"contract removed: the record of {record.contract_no} links to it, but it is not stored{earlier}")
            else:
                report.add(record.contract_no, f"{missing} record(s) of branch {self.branch_id} missing before this contract")
        elif record.previous_hash != expected_hash or record.previous_contract_no != expected_previous:
            report.add(
                record.contract_no,
                f"chain broken: the record links to {record.previous_contract_no or 'the start of the chain'} "
                f"but follows {expected_previous or 'the start of the chain'}",
            )
        self.last = record

    def finish(self, head: ChainHead | None) -> None:
        """Compare the end of the walk with the chain head kept in ``store_meta``."""
        last = self.last
        if head is None:
            if last is not None:
                self.report.add(last.contract_no, f"chain head of branch {self.branch_id} missing from the store")
            return
        if last is None:
            self.report.add(head.contract_no, f"contract removed: the chain head of branch {self.branch_id} names it, but no record remains")
        elif head.sequence > last.sequence:
            self.report.add(
                head.contract_no,
                f"contract removed: the chain head names it as record {head.sequence}, but the chain ends at "
                f"record {last.sequence} ({last.contract_no})",
            )
        elif head.sequence < last.sequence:
            self.report.add(last.contract_no, f"record added after the chain head ({head.contract_no}, record {head.sequence})")
        elif head.contract_no != last.contract_no or head.record_hash != last.record_hash:
            self.report.add(last.contract_no, f"last record differs from the chain head ({head.contract_no})")


def _check_sent_contracts(connection, report: ArchiveReport) -> None:
    """Report contracts announced in the outbox (queued or sent to headquarters) that are no longer stored.

    This finds a store whose contracts, records and chain heads were all removed,
    which the chains alone cannot show.
    """
    # NOTE: this holds only while sent events stay in the outbox; once they are pruned,
    # only headquarters' copy of the events can show a wholesale removal.
    rows = connection.execute(
        "SELECT o.aggregate_id FROM outbox o WHERE o.event_type = 'contract.signed' "
        "AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.contract_no = o.aggregate_id) ORDER BY o.rowid"
    )
    named = {problem.contract_no for problem in report.problems}
    for (contract_no,) in rows:
        if contract_no not in named:
            report.add(contract_no, "contract removed: its contract.signed event is in the outbox, but the contract is not stored")


def _check_digests(record: EvidenceRecord, material: ContractMaterial, report: ArchiveReport) -> None:
    if material.checks_json is None:
        report.add(record.contract_no, f"verification {material.verification_id} removed")
    stored = record.digests.to_json()
    computed = digest_material(material).to_json()
    for name, part in _DIGEST_PARTS.items():
        if name == "verification_sha256" and material.checks_json is None:
            continue
        if stored[name] != computed[name]:
            report.add(record.contract_no, f"{part} altered: its SHA-256 differs from the evidence record")


def _check_seal(
    contract_no: str, pdf: bytes, signer_subject: str, trust_roots: list[asn1_x509.Certificate], report: ArchiveReport
) -> None:
    """Report a stored PDF that is not a PDF, is damaged, has no seal, or whose seal is broken, invalid or partial.

    Damage is named by its code from :mod:`kiosk.contracts.pdf_intake`, for example
    "stored PDF has no usable seal (broken_xref): ..." or "stored PDF damaged (trailing_data): ...".
    """
    # NOTE: trust is not checked: a PAdES B-B seal carries no timestamp, so once the seal
    # certificate expires the validator would call every older contract untrusted.
    if not pdf.startswith(b"%PDF-"):
        report.add(contract_no, "stored PDF is not a PDF: it does not start with %PDF-")
        return
    try:
        seals = validate_sealed_pdf(pdf, trust_roots)
    except SealInvalid as error:
        report.add(contract_no, f"stored PDF has no usable seal ({error.code}): {error}")
        return
    except Exception as error:
        # A damaged PDF can make the parser raise errors of many kinds; one bad record
        # must not stop the check of the others.
        log.warning(
            "archive check: contract %s: seal validation failed: %s: %s",
            contract_no,
            type(error).__name__,
            error,
            extra={"console": False},
        )
        report.add(contract_no, f"stored PDF cannot be validated: {type(error).__name__}: {error}")
        return

    for problem in seals[0].file_problems:
        report.add(contract_no, f"stored PDF damaged ({problem.code}): {problem.detail}")
    for seal in seals:
        if not seal.intact:
            report.add(contract_no, f"seal {seal.field_name} broken: the signed bytes were changed")
        elif not seal.valid:
            report.add(contract_no, f"seal {seal.field_name} invalid: the signature does not verify")
        if not seal.covers_whole_file and not seal.file_problems:
            report.add(contract_no, f"seal {seal.field_name} does not cover the whole file: bytes were added after sealing")
        if seal.signer != signer_subject:
            report.add(contract_no, f"seal {seal.field_name} was made by another signer than the one stored with the contract")
