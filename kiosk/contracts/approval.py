"""Headquarters' approval of template versions, and the signed list of withdrawn versions.

HQ's legal reviewer approves a version by signing a statement with HQ's template key.
The statement names the template, its version, the SHA-256 of ``template.json``, the
reviewer and the time, so a signature cannot be moved to other content or another
version. It is stored as ``approval.json`` in the version's folder. HQ withdraws a
version by adding it to ``withdrawn.json`` at the root of the templates folder, a list
signed by the same key. The kiosk uses a version only when its approval verifies with
the branch's configured HQ public key, its hash matches, and it is not withdrawn.

Signed statements are canonical JSON: keys sorted, no spaces, UTF-8.
"""

import base64
import binascii
import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.contracts import template_keys
from kiosk.contracts.template import ContractTemplate, load_template, template_folder
from kiosk.contracts.template_errors import (
    TemplateAltered,
    TemplateApprovalMalformed,
    TemplateKeyUnusable,
    TemplateNotApproved,
    TemplateSignatureInvalid,
    TemplateWithdrawn,
    WithdrawalListInvalid,
)
from kiosk.contracts.template_keys import PrivateKey, PublicKey
from kiosk.errors import TemplateError

log = logging.getLogger(__name__)

APPROVAL_FILE = "approval.json"
WITHDRAWAL_LIST_FILE = "withdrawn.json"
APPROVAL_PURPOSE = "countersign/template-approval/v1"
WITHDRAWAL_PURPOSE = "countersign/template-withdrawals/v1"

_APPROVAL_KEYS = frozenset(
    {"purpose", "template_id", "version", "sha256", "reviewer", "approved_at", "algorithm", "key_fingerprint", "signature"}
)
_WITHDRAWAL_KEYS = frozenset({"template_id", "version", "sha256", "reviewer", "reason", "withdrawn_at"})
_WITHDRAWAL_LIST_KEYS = frozenset({"purpose", "issued_at", "withdrawn", "algorithm", "key_fingerprint", "signature"})


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _aware_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time {moment.isoformat()} needs a UTC offset")
    return moment.isoformat(timespec="seconds")


def _is_aware_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).utcoffset() is not None
    except ValueError:
        return False


def _decode_signature(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class TemplateApproval:
    """An approval as stored in ``approval.json``; ``approved_at`` is ISO 8601 with the UTC offset."""

    template_id: str
    version: str
    sha256: str
    reviewer: str
    approved_at: str
    algorithm: str
    key_fingerprint: str
    signature: bytes

    def statement(self) -> bytes:
        """Return the signed bytes: canonical JSON of the purpose, template, version, hash, reviewer and time."""
        return canonical_json(
            {
                "purpose": APPROVAL_PURPOSE,
                "template_id": self.template_id,
                "version": self.version,
                "sha256": self.sha256,
                "reviewer": self.reviewer,
                "approved_at": self.approved_at,
            }
        )

    def to_json(self) -> dict[str, str]:
        return {
            "purpose": APPROVAL_PURPOSE,
            "template_id": self.template_id,
            "version": self.version,
            "sha256": self.sha256,
            "reviewer": self.reviewer,
            "approved_at": self.approved_at,
            "algorithm": self.algorithm,
            "key_fingerprint": self.key_fingerprint,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    def to_bytes(self) -> bytes:
        """Return the file content of ``approval.json``."""
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def approve_template(template: ContractTemplate, key: PrivateKey, reviewer: str, approved_at: datetime) -> TemplateApproval:
    """Sign the approval of ``template`` by ``reviewer`` at ``approved_at`` (an aware time).

    Raises ``ValueError`` for an empty reviewer or a time without a UTC offset, and
    :class:`TemplateKeyUnusable` for a key of another kind than Ed25519 or ECDSA P-256.
    """
    if not reviewer.strip():
        raise ValueError("the reviewer's name is empty")
    unsigned = TemplateApproval(
        template_id=template.template_id,
        version=template.version,
        sha256=template.sha256,
        reviewer=reviewer.strip(),
        approved_at=_aware_timestamp(approved_at),
        algorithm=template_keys.algorithm_name(key),
        key_fingerprint=template_keys.key_fingerprint(key.public_key()),
        signature=b"",
    )
    return dataclasses.replace(unsigned, signature=template_keys.sign(key, unsigned.statement()))


def parse_approval(raw: bytes, template_id: str, version: str) -> TemplateApproval:
    """Parse ``approval.json`` bytes; raises :class:`TemplateApprovalMalformed` naming the problem."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, a huge integer, deep nesting
        raise TemplateApprovalMalformed(template_id, version, f"not UTF-8 JSON: {error}") from error
    if not isinstance(document, dict) or set(document) != _APPROVAL_KEYS:
        keys = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise TemplateApprovalMalformed(template_id, version, f"keys are {keys}, expected {sorted(_APPROVAL_KEYS)}")
    if document["purpose"] != APPROVAL_PURPOSE:
        raise TemplateApprovalMalformed(template_id, version, f"purpose is {document['purpose']!r}, not a template approval")
    for key in ("template_id", "version", "sha256", "reviewer", "algorithm", "key_fingerprint"):
        if not isinstance(document[key], str) or not document[key]:
            raise TemplateApprovalMalformed(template_id, version, f"{key} must be a non-empty string")
    if not _is_aware_timestamp(document["approved_at"]):
        raise TemplateApprovalMalformed(template_id, version, "approved_at must be an ISO 8601 time with its UTC offset")
    signature = _decode_signature(document["signature"])
    if not signature:
        raise TemplateApprovalMalformed(template_id, version, "signature must be non-empty base64")
    return TemplateApproval(
        template_id=document["template_id"],
        version=document["version"],
        sha256=document["sha256"],
        reviewer=document["reviewer"],
        approved_at=document["approved_at"],
        algorithm=document["algorithm"],
        key_fingerprint=document["key_fingerprint"],
        signature=signature,
    )


def verify_approval(template: ContractTemplate, approval: TemplateApproval, hq_key: PublicKey) -> None:
    """Check that ``approval`` is HQ's signature over exactly this template file.

    The signature is checked first, so that a hash in the approval is trusted only once
    it is known to come from HQ. Raises :class:`TemplateSignatureInvalid` (another
    key, another algorithm, or a signature that does not verify) or
    :class:`TemplateAltered` (the file's SHA-256 is not the approved one).
    """
    template_id, version = template.template_id, template.version
    expected_fingerprint = template_keys.key_fingerprint(hq_key)
    if approval.key_fingerprint != expected_fingerprint:
        raise TemplateSignatureInvalid(
            template_id,
            version,
            f"signed by key {approval.key_fingerprint[:16]}, HQ's template key is {expected_fingerprint[:16]}",
            wrong_key=True,
        )
    if approval.algorithm != template_keys.algorithm_name(hq_key):
        raise TemplateSignatureInvalid(
            template_id, version, f"algorithm {approval.algorithm}, HQ's template key is {template_keys.algorithm_name(hq_key)}"
        )
    if not template_keys.verify(hq_key, approval.signature, approval.statement()):
        raise TemplateSignatureInvalid(template_id, version, "the signature does not verify with HQ's template key")
    if (approval.template_id, approval.version) != (template_id, version):
        raise TemplateNotApproved.approval_of_other_version(template_id, version, approval.template_id, approval.version)
    if approval.sha256 != template.sha256:
        raise TemplateAltered(template_id, version, approval.sha256, template.sha256)


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawn version; ``withdrawn_at`` is ISO 8601 with the UTC offset."""

    template_id: str
    version: str
    sha256: str
    reviewer: str
    reason: str
    withdrawn_at: str

    def matches(self, template: ContractTemplate) -> bool:
        """Return whether this entry withdraws ``template``, by its id and version or by its content."""
        return (self.template_id, self.version) == (template.template_id, template.version) or self.sha256 == template.sha256

    def to_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class WithdrawalList:
    """The signed list of withdrawn versions, as stored in ``withdrawn.json``."""

    issued_at: str
    withdrawn: tuple[Withdrawal, ...]
    algorithm: str
    key_fingerprint: str
    signature: bytes

    def statement(self) -> bytes:
        return canonical_json(
            {"purpose": WITHDRAWAL_PURPOSE, "issued_at": self.issued_at, "withdrawn": [entry.to_json() for entry in self.withdrawn]}
        )

    def to_bytes(self) -> bytes:
        document = {
            "purpose": WITHDRAWAL_PURPOSE,
            "issued_at": self.issued_at,
            "withdrawn": [entry.to_json() for entry in self.withdrawn],
            "algorithm": self.algorithm,
            "key_fingerprint": self.key_fingerprint,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def find(self, template: ContractTemplate) -> Withdrawal | None:
        return next((entry for entry in self.withdrawn if entry.matches(template)), None)


def sign_withdrawal_list(withdrawn: list[Withdrawal], key: PrivateKey, issued_at: datetime) -> WithdrawalList:
    """Sign a complete list of withdrawn versions (it may be empty) as of ``issued_at``, an aware time."""
    unsigned = WithdrawalList(
        issued_at=_aware_timestamp(issued_at),
        withdrawn=tuple(withdrawn),
        algorithm=template_keys.algorithm_name(key),
        key_fingerprint=template_keys.key_fingerprint(key.public_key()),
        signature=b"",
    )
    return dataclasses.replace(unsigned, signature=template_keys.sign(key, unsigned.statement()))


def _parse_withdrawal(entry: object, path: Path, index: int) -> Withdrawal:
    if not isinstance(entry, dict) or set(entry) != _WITHDRAWAL_KEYS:
        raise WithdrawalListInvalid(path, f"entry {index + 1} must have exactly the keys {', '.join(sorted(_WITHDRAWAL_KEYS))}")
    if not all(isinstance(value, str) and value for value in entry.values()):
        raise WithdrawalListInvalid(path, f"entry {index + 1} has an empty or non-text value")
    if not _is_aware_timestamp(entry["withdrawn_at"]):
        raise WithdrawalListInvalid(path, f"entry {index + 1}: withdrawn_at must be an ISO 8601 time with its UTC offset")
    return Withdrawal(**entry)


def read_withdrawal_list(path: Path, hq_key: PublicKey) -> WithdrawalList | None:
    """Read and verify ``withdrawn.json``; returns ``None`` when there is no such file.

    Raises :class:`WithdrawalListInvalid` when the file cannot be read, is malformed,
    or is not signed by ``hq_key``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise WithdrawalListInvalid(path, f"cannot be read: {error.strerror}") from error
    return parse_withdrawal_list(raw, hq_key, path)


def parse_withdrawal_list(raw: bytes, hq_key: PublicKey, path: Path) -> WithdrawalList:
    """Parse and verify the bytes of a withdrawal list; ``path`` names where they came from in errors.

    Raises :class:`WithdrawalListInvalid` when they are malformed or not signed by ``hq_key``.
    """
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, a huge integer, deep nesting
        raise WithdrawalListInvalid(path, f"not UTF-8 JSON: {error}") from error
    if not isinstance(document, dict) or set(document) != _WITHDRAWAL_LIST_KEYS:
        raise WithdrawalListInvalid(path, f"must have exactly the keys {', '.join(sorted(_WITHDRAWAL_LIST_KEYS))}")
    if document["purpose"] != WITHDRAWAL_PURPOSE:
        raise WithdrawalListInvalid(path, f"purpose is {document['purpose']!r}, not a withdrawal list")
    if not _is_aware_timestamp(document["issued_at"]) or not isinstance(document["withdrawn"], list):
        raise WithdrawalListInvalid(path, "issued_at must be an ISO 8601 time with its UTC offset and withdrawn a list")
    signature = _decode_signature(document["signature"])
    if not signature or not isinstance(document["algorithm"], str) or not isinstance(document["key_fingerprint"], str):
        raise WithdrawalListInvalid(path, "algorithm, key_fingerprint and a base64 signature are required")

    withdrawal_list = WithdrawalList(
        issued_at=document["issued_at"],
        withdrawn=tuple(_parse_withdrawal(entry, path, index) for index, entry in enumerate(document["withdrawn"])),
        algorithm=document["algorithm"],
        key_fingerprint=document["key_fingerprint"],
        signature=signature,
    )
    if withdrawal_list.key_fingerprint != template_keys.key_fingerprint(hq_key):
        raise WithdrawalListInvalid(path, "it was not signed with HQ's template key")
    if not template_keys.verify(hq_key, withdrawal_list.signature, withdrawal_list.statement()):
        raise WithdrawalListInvalid(path, "its signature does not verify with HQ's template key")
    return withdrawal_list


class WithdrawalMemory(Protocol):
    """Where a kiosk keeps the newest withdrawal list it has accepted, out of reach of the templates folder.

    The branch store implements it. Without it, deleting ``withdrawn.json`` or putting
    back an older signed copy would bring a withdrawn version back into use.
    """

    def recall_withdrawal_list(self) -> bytes | None:
        """Return the bytes of the newest accepted list, or ``None`` before the first."""

    def remember_withdrawal_list(self, raw: bytes) -> None:
        """Keep ``raw``, a verified list newer than the one kept so far."""


def newest_withdrawal_list(path: Path, hq_key: PublicKey, memory: WithdrawalMemory | None) -> WithdrawalList | None:
    """Return the newer of the list at ``path`` and the one in ``memory``, and remember it.

    A list missing from ``path``, or older than the remembered one, is logged and the
    remembered list applies instead: the file may add withdrawals but never remove them.
    Raises :class:`WithdrawalListInvalid` when either list fails verification.
    """
    on_disk = read_withdrawal_list(path, hq_key)
    remembered_raw = memory.recall_withdrawal_list() if memory is not None else None
    remembered = parse_withdrawal_list(remembered_raw, hq_key, Path("<branch store>")) if remembered_raw else None

    if remembered is None:
        if on_disk is not None and memory is not None:
            memory.remember_withdrawal_list(on_disk.to_bytes())
        return on_disk
    if on_disk is None:
        log.warning("withdrawal list %s is missing; applying the one issued at %s kept in the store", path, remembered.issued_at)
        return remembered
    if datetime.fromisoformat(on_disk.issued_at) < datetime.fromisoformat(remembered.issued_at):
        log.warning(
            "withdrawal list %s was issued at %s, before the one kept in the store (%s); applying the newer one",
            path,
            on_disk.issued_at,
            remembered.issued_at,
        )
        return remembered
    if on_disk.to_bytes() != remembered_raw:
        memory.remember_withdrawal_list(on_disk.to_bytes())
    return on_disk


def check_approved(
    template: ContractTemplate,
    folder: Path,
    hq_key: PublicKey,
    withdrawal_list_path: Path,
    memory: WithdrawalMemory | None = None,
) -> ContractTemplate:
    """Verify the approval in ``folder`` and the withdrawal list; return the template with its approval.

    With ``memory``, the newest list seen so far applies (:func:`newest_withdrawal_list`).

    Raises a :class:`kiosk.errors.TemplateError` subclass naming the reason:
    :class:`TemplateNotApproved`, :class:`TemplateApprovalMalformed`,
    :class:`TemplateSignatureInvalid`, :class:`TemplateAltered`,
    :class:`TemplateWithdrawn` or :class:`WithdrawalListInvalid`.
    """
    template_id, version = template.template_id, template.version
    approval_path = folder / APPROVAL_FILE
    try:
        raw = approval_path.read_bytes()
    except FileNotFoundError:
        raise TemplateNotApproved.no_approval_file(template_id, version, approval_path) from None
    except OSError as error:
        raise TemplateApprovalMalformed(template_id, version, f"{approval_path} cannot be read: {error.strerror}") from error

    approval = parse_approval(raw, template_id, version)
    verify_approval(template, approval, hq_key)

    withdrawal_list = newest_withdrawal_list(withdrawal_list_path, hq_key, memory)
    withdrawal = withdrawal_list.find(template) if withdrawal_list is not None else None
    if withdrawal is not None:
        raise TemplateWithdrawn(template_id, version, withdrawal.withdrawn_at, withdrawal.reason)
    return dataclasses.replace(template, approval=approval)


def load_approved_template(
    templates_dir: Path,
    template_id: str,
    version: str,
    hq_key_file: Path | None,
    memory: WithdrawalMemory | None = None,
) -> ContractTemplate:
    """Load ``<templates_dir>/<template_id>/v<version>`` and return it only when HQ approved it.

    ``hq_key_file`` is HQ's template public key (PEM) as configured for the branch, and
    ``memory`` keeps the newest withdrawal list (the kiosk passes its store).
    Raises :class:`TemplateKeyUnusable` without a usable key, and otherwise the errors
    of :func:`load_template` and :func:`check_approved`. Every refusal is logged.

    NOTE: the kiosk checks approval and withdrawal when it starts; a version withdrawn
    while it runs stays in use until the next start.
    """
    try:
        if hq_key_file is None:
            raise TemplateKeyUnusable(
                "no key is configured; set [contract] hq_template_key in branch.toml "
                "(a demo branch provisioned before template approval existed must be provisioned again)"
            )
        hq_key = template_keys.load_public_key(hq_key_file)
        template = load_template(templates_dir, template_id, version)
        approved = check_approved(
            template,
            template_folder(templates_dir, template_id, version),
            hq_key,
            templates_dir / WITHDRAWAL_LIST_FILE,
            memory,
        )
    except TemplateError as error:
        # The caller reports the raised error, so the terminal shows it once.
        log.error("contract template %s v%s refused: %s", template_id, version, error, extra={"console": False})
        raise

    assert approved.approval is not None
    log.info(
        "contract template %s v%s approved by %s at %s, SHA-256 %s",
        template_id,
        version,
        approved.approval.reviewer,
        approved.approval.approved_at,
        approved.sha256[:16],
    )
    return approved
