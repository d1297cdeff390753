"""Checking a sealed contract PDF with pyHanko's validator."""

import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext


@dataclass(frozen=True)
class SealReport:
    """Validation result for one signature of a contract."""

    field_name: str
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    summary: str

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


class SealInvalid(Exception):
    """The PDF has no signature or is not a readable PDF."""


def load_trust_roots(paths: list[Path]) -> list[asn1_x509.Certificate]:
    """Load PEM or DER certificates to trust as roots."""
    roots = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        roots.append(asn1_x509.Certificate.load(data))
    return roots


def validate_sealed_pdf(pdf: bytes, trust_roots: list[asn1_x509.Certificate]) -> list[SealReport]:
    """Validate every signature in ``pdf``; raises :class:`SealInvalid` when there is none."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError) as error:
        raise SealInvalid(f"not a readable PDF: {error}") from error
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
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                summary=status.summary(),
            )
        )
    return reports
