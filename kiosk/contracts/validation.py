"""Checking a sealed contract PDF with pyHanko's validator: status, PAdES level and coverage.

:func:`verify_contract_pdf` judges a whole file: "valid", "modified" (the signatures
hold, but the file was changed afterwards in a way their modification policy does not
allow), "invalid" (a signature or timestamp does not hold, or the file is damaged) or
"unsigned". It also reports the PAdES level of the contract seal.
:func:`validate_sealed_pdf` is the older per-signature check behind ``countersign
check-pdf`` and the archive check. Both pass the bytes through
:func:`kiosk.contracts.pdf_intake.inspect_pdf` first, so damaged files are rejected
with a named reason before pyHanko parses them.
"""

import io
import logging
from xml.etree import ElementTree
from dataclasses import dataclass, field, replace
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import SignatureValidationError, ValidationInfoReadingError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from kiosk.contracts.pdf_intake import UNREADABLE, IntakeProblem, inspect_pdf
from kiosk.errors import SealInvalid

__all__ = [
    "ContractVerification",
    "SealInvalid",
    "SealReport",
    "SignatureFinding",
    "load_trust_roots",
    "validate_sealed_pdf",
    "verify_contract_pdf",
]

log = logging.getLogger(__name__)

STATUS_VALID = "valid"
STATUS_MODIFIED = "modified"
STATUS_INVALID = "invalid"
STATUS_UNSIGNED = "unsigned"

PADES_SUBFILTER = "/ETSI.CAdES.detached"

# Exceptions that pyHanko 0.38 raises while parsing a damaged file that passed the intake checks.
_READ_ERRORS = (PdfError, ValueError, KeyError, TypeError, IndexError, AssertionError, NotImplementedError)


@dataclass(frozen=True)
class SealReport:
    """Validation result for one signature of a contract.

    ``file_problems`` are the intake findings that did not stop validation (trailing
    data); the same tuple is attached to every signature of the file.
    """

    field_name: str
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    summary: str
    file_problems: tuple[IntakeProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file

    def to_json(self) -> dict:
        return {
            "field": self.field_name,
            "signer": self.signer,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "covers_whole_file": self.covers_whole_file,
            "summary": self.summary,
        }


def load_trust_roots(paths: list[Path]) -> list[asn1_x509.Certificate]:
    """Load PEM or DER certificates to trust as roots.

    Raises ``OSError`` for a file that cannot be read and ``ValueError`` for one that
    contains no certificate (a public key, a private key, garbage), naming the file.
    """
    roots = []
    for path in paths:
        data = path.read_bytes()
        try:
            if pem.detect(data):
                kind, _, data = pem.unarmor(data)
                if kind != "CERTIFICATE":
                    raise ValueError(f"expected a PEM CERTIFICATE, found a PEM {kind}")
            certificate = asn1_x509.Certificate.load(data)
            certificate.native  # asn1crypto parses lazily; parse now so that damage shows here
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error
        roots.append(certificate)
    return roots


def validate_sealed_pdf(pdf: bytes, trust_roots: list[asn1_x509.Certificate]) -> list[SealReport]:
    """Validate every signature in ``pdf``.

    Raises :class:`SealInvalid` when the intake checks reject the file, pyHanko cannot
    read it, or it has no signature. The error's ``code`` names the reason, and it is
    "unsigned" for a readable file without a signature. A file with trailing data is validated
    without it, and no report then claims to cover the whole file.
    """
    intake = inspect_pdf(pdf)
    rejection = intake.rejection
    if rejection is not None:
        log.warning("seal check: PDF rejected: %s: %s", rejection.code, rejection.detail)
        raise SealInvalid(rejection.detail, rejection.code, rejection.message)
    try:
        reader = PdfFileReader(io.BytesIO(intake.pdf))
        signatures = reader.embedded_signatures
    except _READ_ERRORS as error:
        log.warning("seal check: PDF unreadable: %s: %s", type(error).__name__, error)
        problem = _unreadable_problem(error)
        raise SealInvalid(problem.detail, problem.code, problem.message) from error
    if not signatures:
        raise SealInvalid("the PDF has no signature")

    reports = []
    context = ValidationContext(trust_roots=trust_roots)
    for signature in signatures:
        status = validate_pdf_signature(signature, context)
        reports.append(
            SealReport(
                field_name=signature.field_name,
                signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and not intake.problems,
                summary=status.summary(),
                file_problems=intake.problems,
            )
        )
    return reports


@dataclass(frozen=True)
class SignatureFinding:
    """What the validator found for one signature or document timestamp.

    ``problems`` lists, in plain sentences, every reason this entry is not valid.
    ``pades_level`` is ``None`` for document timestamps and for signatures that are not
    PAdES (sub-filter other than ETSI.CAdES.detached).
    """

    field_name: str
    kind: str  # "signature" or "document_timestamp"
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    covers_whole_file: bool
    modification_level: str | None
    changes_allowed: bool | None
    docmdp: str | None  # the certification's permission (NO_CHANGES, FILL_FORMS, ANNOTATE), or None
    timestamped: bool
    pades_level: str | None
    problems: tuple[str, ...] = ()
    holds: bool = False  # intact, valid, trusted, timestamp trusted, standard coverage; changes after it aside
    untrusted: bool = False  # does not hold only because the signer or its TSA is not trusted

    def to_json(self) -> dict:
        return {
            "field": self.field_name,
            "kind": self.kind,
            "signer": self.signer,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "covers_whole_file": self.covers_whole_file,
            "modification_level": self.modification_level,
            "changes_allowed": self.changes_allowed,
            "docmdp": self.docmdp,
            "timestamped": self.timestamped,
            "pades_level": self.pades_level,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class ContractVerification:
    """The judgment on a whole contract file.

    ``pades_level`` is the level of the first PAdES signature (the contract seal).
    ``covers_whole_file`` is true when the newest signature or document timestamp
    covers every byte of the file, so nothing was appended after it. It is false for
    B-LT and B-LTA files, whose last update adds validation data only, and for every
    file with trailing data. ``reasons`` names each structural problem with a stable
    code (see :mod:`kiosk.contracts.pdf_intake`), and ``problems`` repeats them as
    "code: detail" lines. ``error`` explains an "invalid" file that was rejected before
    its signatures were validated.
    """

    status: str
    pades_level: str | None
    covers_whole_file: bool
    signatures: tuple[SignatureFinding, ...] = ()
    problems: tuple[str, ...] = field(default=())
    error: str | None = None
    reasons: tuple[IntakeProblem, ...] = ()

    @property
    def rejected(self) -> bool:
        """Return whether the file was rejected before any signature was validated."""
        return any(reason.rejected for reason in self.reasons)

    @property
    def untrusted(self) -> bool:
        """Return whether the file is "invalid" only because a signer or a TSA is not trusted."""
        if self.status != STATUS_INVALID or self.reasons:
            return False
        return any(f.untrusted for f in self.signatures) and all(f.holds or f.untrusted for f in self.signatures)

    def to_json(self) -> dict:
        payload = {
            "status": self.status,
            "signatures": [finding.to_json() for finding in self.signatures],
            "pades_level": self.pades_level,
            "covers_whole_file": self.covers_whole_file,
            "problems": list(self.problems) + [f"{f.field_name}: {problem}" for f in self.signatures for problem in f.problems],
            "reasons": [reason.to_json() for reason in self.reasons],
        }
        if self.error is not None:
            payload["error"] = self.error
        return payload


def verify_contract_pdf(pdf: bytes, trust_roots: list[asn1_x509.Certificate]) -> ContractVerification:
    """Validate every signature and document timestamp of ``pdf`` and judge the file.

    Never raises for bad input. A file that the intake checks reject (not a PDF,
    truncated, encrypted, broken or hybrid cross-references, orphaned generations) or
    that pyHanko cannot read is "invalid" with no signatures, its codes in ``reasons``
    and the first rejection in ``error``. A file with bytes appended after its last
    update is validated without them and is "invalid", never covering the whole file.
    A signer is trusted only through ``trust_roots``. Revocation data is taken from
    the file's DSS only, so nothing is fetched from the network.
    """
    intake = inspect_pdf(pdf)
    if intake.rejection is not None:
        return _rejected(intake.problems)
    for problem in intake.problems:
        log.warning("contract PDF damaged, validated without the damage: %s: %s", problem.code, problem.detail)
    try:
        reader = PdfFileReader(io.BytesIO(intake.pdf))
        signatures = list(reader.embedded_signatures)
    except _READ_ERRORS as error:
        return _rejected(intake.problems + (_unreadable_problem(error),))
    if not signatures:
        return ContractVerification(STATUS_UNSIGNED, None, False, problems=_problem_lines(intake.problems), reasons=intake.problems)

    context = _validation_context(reader, trust_roots)
    timestamp_revisions = [s.signed_revision for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    findings = tuple(_check(reader, signature, context, timestamp_revisions) for signature in signatures)
    if intake.problems:
        # The signatures were checked without the trailing data, and none of them covers it.
        findings = tuple(replace(finding, covers_whole_file=False) for finding in findings)

    newest = max(signatures, key=lambda signature: signature.signed_revision)
    seal_revisions = [s.signed_revision for s in signatures if s.sig_object_type != "/DocTimeStamp"]
    try:
        unsealed = _unsealed_changes(reader, min(seal_revisions, default=newest.signed_revision), timestamp_revisions)
    except Exception as error:  # damaged objects in a later update raise many pyHanko types
        unsealed = [f"the updates after the seal cannot be read: {type(error).__name__}: {error}"]
    if unsealed:
        log.warning("contract PDF changed after its newest signature: %s", "; ".join(unsealed))
        findings = tuple(
            replace(finding, changes_allowed=False, problems=finding.problems + tuple(unsealed))
            if finding.kind == "signature"
            else finding
            for finding in findings
        )
    if intake.problems or not all(finding.holds for finding in findings):
        status = STATUS_INVALID
    elif any(finding.changes_allowed is False for finding in findings):
        status = STATUS_MODIFIED
    else:
        status = STATUS_VALID

    seal_levels = [finding.pades_level for finding in findings if finding.pades_level is not None]
    newest_finding = findings[signatures.index(newest)]
    return ContractVerification(
        status=status,
        pades_level=seal_levels[0] if seal_levels else None,
        covers_whole_file=newest_finding.covers_whole_file and not intake.problems,
        signatures=findings,
        problems=_problem_lines(intake.problems),
        reasons=intake.problems,
    )


# Catalog entries that PAdES lets a later update add or change: validation data and
# the extension level that announces it.
_VALIDATION_DATA_KEYS = frozenset({"/DSS", "/Extensions"})
# pyHanko stamps every update with a modification date and its name, in the document
# information and in the XMP metadata, which PDF/A requires to agree.
_UPDATE_STAMP_KEYS = frozenset({"/ModDate", "/Producer"})
_UPDATE_STAMP_XMP = frozenset({"ModifyDate", "MetadataDate", "Producer"})
# A document timestamp adds its field to the form and its widget to a page.
_TIMESTAMP_FIELD_KEYS = {"/AcroForm": frozenset({"/Fields", "/SigFlags"}), "/Page": frozenset({"/Annots"})}


def _unsealed_changes(reader: PdfFileReader, sealed_revision: int, timestamp_revisions: list[int]) -> list[str]:
    """Describe what the updates after ``sealed_revision`` change beyond validation data and timestamps.

    After the seal, a contract may only gain validation data (B-LT) and document
    timestamps (B-LTA): new objects, the catalog's /DSS and /Extensions, the objects of
    an existing DSS, the update stamp (/ModDate, /Producer and their XMP twins) and, in
    a timestamp's own update, its field and widget. pyHanko's policy also lets the
    title, the XMP description and other metadata change there, which would let a
    forger re-title a sealed contract, so this check is stricter. Returns one sentence
    per change, or nothing.
    """
    changes: list[str] = []
    for revision in range(sealed_revision + 1, reader.xrefs.total_revisions):
        before = reader.get_historical_resolver(revision - 1)
        after = reader.get_historical_resolver(revision)
        for key in ("/Root", "/Info", "/Encrypt"):
            if _entry(before.trailer_view, key) != _entry(after.trailer_view, key):
                changes.append(f"update {revision} replaces the trailer's {key}")
        stamped = {
            _reference(_entry(before.trailer_view, "/Info")): _UPDATE_STAMP_KEYS,
            _reference(_entry(before.trailer_view, "/Root")): _VALIDATION_DATA_KEYS,
        }
        metadata = _reference(_entry(before.root, "/Metadata"))
        allowed = _validation_data_refs(before)
        for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: (r.idnum, r.generation)):
            if reader.xrefs.get_introducing_revision(ref) == revision or ref in allowed:
                continue
            old, new = before.get_object(ref), after.get_object(ref)
            if ref in stamped:
                changes += _dictionary_changes(old, new, stamped[ref], revision, ref)
            elif ref == metadata:
                if _xmp_facts(old) != _xmp_facts(new):
                    changes.append(f"update {revision} changes the XMP metadata beyond its dates and producer")
            elif revision in timestamp_revisions and _timestamp_container(old) is not None:
                changes += _dictionary_changes(old, new, _TIMESTAMP_FIELD_KEYS[_timestamp_container(old)], revision, ref)
            else:
                changes.append(f"update {revision} changes object {ref.idnum} {ref.generation} ({_describe(after, ref)}) of the sealed document")
    return changes


def _dictionary_changes(old, new, allowed_keys: frozenset, revision: int, ref) -> list[str]:
    """Name the keys of a changed dictionary that changed although only ``allowed_keys`` may."""
    if not isinstance(old, generic.DictionaryObject) or not isinstance(new, generic.DictionaryObject):
        return [f"update {revision} replaces object {ref.idnum} {ref.generation} with another kind of object"]
    keys = (set(old) | set(new)) - allowed_keys
    return [f"update {revision} changes {key} in object {ref.idnum} {ref.generation}" for key in sorted(keys) if _entry(old, key) != _entry(new, key)]


def _xmp_facts(stream) -> set[tuple[str, str]] | None:
    """Return the text and attribute values of an XMP packet by local name, without the update stamp."""
    try:
        root = ElementTree.fromstring(stream.data)
    except (ElementTree.ParseError, AttributeError, ValueError, PdfError):
        return None
    facts: set[tuple[str, str]] = set()
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name not in _UPDATE_STAMP_XMP and element.text and element.text.strip():
            facts.add((name, element.text.strip()))
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local not in _UPDATE_STAMP_XMP:
                facts.add((local, value))
    return facts


def _timestamp_container(value) -> str | None:
    """Return "/AcroForm" or "/Page" for the objects that a document timestamp's field changes, else ``None``."""
    if not isinstance(value, generic.DictionaryObject):
        return None
    if "/Fields" in value:
        return "/AcroForm"
    return "/Page" if _entry(value, "/Type") == "/Page" else None


def _reference(value):
    return value.reference if isinstance(value, generic.IndirectObject) else None


def _describe(resolver, ref) -> str:
    """Name a PDF object for a person: its /Type, else its first keys, else its kind."""
    try:
        value = resolver.get_object(ref)
    except Exception:  # a damaged object is named by its number alone
        return "unreadable"
    if isinstance(value, generic.DictionaryObject):
        if "/Type" in value:
            return f"{value.raw_get('/Type')}, keys {' '.join(sorted(value))}"
        return "keys " + " ".join(sorted(value)[:6])
    return type(value).__name__


def _entry(dictionary, key: str):
    """Return the value of ``key`` in a PDF dictionary without resolving it, or ``None``."""
    return dictionary.raw_get(key) if key in dictionary else None


def _validation_data_refs(resolver) -> set:
    """Return the indirect objects that make up the DSS of a revision: the DSS, its arrays and the VRI."""
    refs: set = set()
    pending = [_entry(resolver.root, "/DSS")]
    depth = 0
    while pending and depth < 4:
        nested = []
        for item in pending:
            if isinstance(item, generic.IndirectObject):
                refs.add(item.reference)
                item = item.get_object()
            if isinstance(item, generic.DictionaryObject) and not isinstance(item, generic.StreamObject):
                nested += [item.raw_get(key) for key in item]
            elif isinstance(item, generic.ArrayObject):
                nested += [item.raw_get(index) for index in range(len(item))]
        pending = nested
        depth += 1
    return refs


_UNTRUSTED_SIGNER = "the signer's certificate does not chain to a trusted root"
UNTRUSTED_TSA = "the signature timestamp's authority (TSA) does not chain to a trusted root"


def _problem_lines(problems: tuple[IntakeProblem, ...]) -> tuple[str, ...]:
    return tuple(f"{problem.code}: {problem.detail}" for problem in problems)


def _rejected(problems: tuple[IntakeProblem, ...]) -> ContractVerification:
    rejection = next(problem for problem in problems if problem.rejected)
    log.warning("contract PDF rejected: %s: %s", rejection.code, rejection.detail)
    return ContractVerification(
        STATUS_INVALID,
        None,
        False,
        problems=_problem_lines(problems),
        error=f"{rejection.code}: {rejection.detail}",
        reasons=problems,
    )


def _unreadable_problem(error: Exception) -> IntakeProblem:
    return IntakeProblem(UNREADABLE, f"not a readable PDF: {type(error).__name__}: {error}", True)


def _validation_context(reader: PdfFileReader, trust_roots: list[asn1_x509.Certificate]) -> ValidationContext:
    """Return an offline context with the trust roots and, if the file has a DSS, its certificates and revocation data."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except ValidationInfoReadingError:
        return ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    return dss.as_validation_context({"trust_roots": trust_roots, "allow_fetching": False})


def _check(
    reader: PdfFileReader, signature: EmbeddedPdfSignature, context: ValidationContext, timestamp_revisions: list[int]
) -> SignatureFinding:
    is_timestamp = signature.sig_object_type == "/DocTimeStamp"
    kind = "document_timestamp" if is_timestamp else "signature"
    try:
        if is_timestamp:
            status = validate_pdf_timestamp(signature, context)
        else:
            status = validate_pdf_signature(signature, context)
    except (SignatureValidationError, *_READ_ERRORS) as error:
        log.warning("%s %s cannot be validated: %s", kind, signature.field_name, error)
        return SignatureFinding(
            signature.field_name, kind, "", False, False, False, False, False, None, None, None, False, None,
            (f"cannot be validated: {error}",),
        )

    problems = []
    if not status.intact:
        problems.append("the signed bytes no longer match the signature")
    elif not status.valid:
        problems.append("the cryptographic signature is not valid for its certificate")
    if status.revoked:
        problems.append("the signer's certificate, or one above it, is revoked")
    elif status.intact and status.valid and not status.trusted:
        problems.append(_UNTRUSTED_SIGNER)

    signature_timestamp = getattr(status, "timestamp_validity", None)
    untrusted_timestamp = False
    if signature_timestamp is not None and not (signature_timestamp.intact and signature_timestamp.valid):
        problems.append("the signature timestamp is not valid")
    elif signature_timestamp is not None and not signature_timestamp.trusted:
        problems.append(UNTRUSTED_TSA)
        untrusted_timestamp = True
    if status.coverage is not None and status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(f"the byte range does not cover a whole revision ({status.coverage.name})")

    holds = not problems
    # Only trust is missing: the bytes and the signatures are sound.
    untrusted = bool(problems) and set(problems) <= {_UNTRUSTED_SIGNER, UNTRUSTED_TSA} and (
        not status.trusted or untrusted_timestamp
    )
    level = status.modification_level
    if status.docmdp_ok is False:
        problems.append(f"changed after signing in a way its policy does not allow ({level.name if level else 'unknown'})")

    timestamped = signature_timestamp is not None or any(rev > signature.signed_revision for rev in timestamp_revisions)
    pades_level = None
    if not is_timestamp and signature.sig_object.get("/SubFilter") == PADES_SUBFILTER:
        pades_level = _pades_level(reader, signature, timestamped, timestamp_revisions)

    return SignatureFinding(
        field_name=signature.field_name,
        kind=kind,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revoked=status.revoked,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modification_level=level.name if isinstance(level, ModificationLevel) else None,
        changes_allowed=status.docmdp_ok,
        docmdp=signature.docmdp_level.name if signature.docmdp_level is not None else None,
        timestamped=timestamped,
        pades_level=pades_level,
        problems=tuple(problems),
        holds=holds,
        untrusted=untrusted,
    )


def _pades_level(
    reader: PdfFileReader, signature: EmbeddedPdfSignature, timestamped: bool, timestamp_revisions: list[int]
) -> str:
    """Return the PAdES baseline level that the structure of the file gives ``signature``.

    B-T needs a signature timestamp or a later document timestamp. B-LT also needs a
    DSS, added after the signature, with an OCSP response or CRL for the signer's
    certificate. B-LTA also needs a document timestamp in or after the revision that
    added it.

    NOTE: this reads the structure only and does not check that the DSS also contains the
    TSA's revocation data. Whether the signatures are valid is decided by the status.
    """
    if not timestamped:
        return "B-B"
    lt_revision = _first_revision_with_revocation_data(reader, signature)
    if lt_revision is None:
        return "B-T"
    if any(revision >= lt_revision for revision in timestamp_revisions):
        return "B-LTA"
    return "B-LT"


def _first_revision_with_revocation_data(reader: PdfFileReader, signature: EmbeddedPdfSignature) -> int | None:
    certificate = signature.signer_cert
    for revision in range(signature.signed_revision + 1, reader.xrefs.total_revisions):
        try:
            dss = DocumentSecurityStore.read_dss(reader.get_historical_resolver(revision))
        except ValidationInfoReadingError:
            continue
        if _dss_covers(dss, certificate):
            return revision
    return None


def _dss_covers(dss: DocumentSecurityStore, certificate: asn1_x509.Certificate) -> bool:
    """Return whether the DSS contains an OCSP response for ``certificate`` or a CRL from its issuer."""
    for reference in dss.ocsps:
        response = asn1_ocsp.OCSPResponse.load(reference.get_object().data)
        basic = response["response_bytes"]["response"].parsed
        for single in basic["tbs_response_data"]["responses"]:
            if single["cert_id"]["serial_number"].native == certificate.serial_number:
                return True
    for reference in dss.crls:
        crl = asn1_crl.CertificateList.load(reference.get_object().data)
        if crl["tbs_cert_list"]["issuer"] == certificate.issuer:
            return True
    return False

