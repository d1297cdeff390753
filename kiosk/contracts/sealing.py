"""Sealing a rendered contract with the branch's company signature, PAdES B-T when a TSA responds, else B-B.

The sealer wraps a pyHanko ``Signer`` opened from a PKCS#12 file or a PKCS#11 token
(:mod:`kiosk.contracts.signers`). The seal is a certification signature that allows
form filling and further signatures only. The customer's handwritten signature is the
visible appearance of the seal's field, so the seal covers it with everything else.

With a timestamp authority configured, the seal carries a signature timestamp (B-T).
When the TSA fails within its budget, the contract is sealed B-B without waiting
longer, and :attr:`SealedContract.timestamp_pending` marks that a document timestamp
must be added later (see :mod:`kiosk.contracts.timestamps`).

NOTE: the customer has no signing key of their own yet, so the only digital signature
is the company's seal over the customer's handwriting.
"""

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.stamp import StaticStampStyle

from kiosk.contracts.render import RenderedContract
from kiosk.contracts.signers import KeySource, SealKey, load_pkcs12_signer, open_seal_key
from kiosk.contracts.timestamps import ContractTimestamper, PendingTimestamp, TimestampUnavailable
from kiosk.contracts.validation import UNTRUSTED_TSA, verify_contract_pdf
from kiosk.errors import SealingError

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "ContractSeal"


@dataclass(frozen=True)
class SealedContract:
    """A sealed contract PDF, its PAdES level ("B-B" or "B-T") and the queued timestamp, if any."""

    pdf: bytes
    signer_subject: str
    pades_level: str = "B-B"
    timestamp_pending: PendingTimestamp | None = None


class ContractSealer:
    """Applies the company seal with one signer; call from one worker thread, never inside a running event loop."""

    def __init__(
        self,
        signer: signers.Signer,
        location: str,
        timestamper: ContractTimestamper | None = None,
        key: SealKey | None = None,
        trust_roots: list | None = None,
    ) -> None:
        self.signer = signer
        self.location = location
        self.timestamper = timestamper
        self._key = key
        # The branch's trust roots; the first B-T seal is checked against them once.
        self._trust_roots = trust_roots
        self._tsa_trust_checked = trust_roots is None
        # Space for the CMS object, in hex digits, learnt from the first seal of each
        # level: pyHanko otherwise builds a throwaway signature (and, for B-T, fetches
        # a throwaway timestamp) to size it on every seal.
        self._reserved: dict[str, int] = {}

    @classmethod
    def from_pkcs12(
        cls, path: Path, passphrase: bytes, location: str, timestamper: ContractTimestamper | None = None
    ) -> "ContractSealer":
        """Load the company key and chain from a PKCS#12 file; raises :class:`SealingError` on a bad file or passphrase."""
        return cls(load_pkcs12_signer(path, passphrase), location, timestamper)

    @classmethod
    def open(
        cls, source: KeySource, location: str, timestamper: ContractTimestamper | None = None, trust_roots: list | None = None
    ) -> "ContractSealer":
        """Open the seal key named by branch configuration; raises a :class:`SealKeyError` subclass.

        With ``trust_roots``, the first B-T seal is validated against them, and an error
        is logged when the TSA's certificate does not chain to them: every contract would
        then verify as invalid at this branch.
        """
        key = open_seal_key(source)
        return cls(key.signer, location, timestamper, key, trust_roots)

    @property
    def signer_subject(self) -> str:
        return self.signer.signing_cert.subject.human_friendly

    def close(self) -> None:
        """Release the seal key (closes a PKCS#11 session)."""
        if self._key is not None:
            self._key.close()

    def seal(self, rendered: RenderedContract, signature_png: bytes, reason: str) -> SealedContract:
        """Add the visible signature field with the handwriting and sign the whole file.

        Returns B-T when the TSA responded within its budget. Otherwise returns B-B with
        ``timestamp_pending`` set, and logs one warning naming the TSA and the failure.
        Raises :class:`SealingError` when the contract cannot be sealed at all.
        """
        try:
            handwriting = Image.open(io.BytesIO(signature_png))
            handwriting.load()
        except Exception as error:  # Pillow raises many types for a broken image
            raise SealingError(f"the signature image cannot be read: {error}") from error

        if self.timestamper is None:
            pdf = self._sign_sized(rendered, handwriting, reason, timestamper=None, level="B-B")
            return SealedContract(pdf, self.signer_subject, "B-B")

        try:
            with self.timestamper.budget():
                pdf = self._sign_sized(rendered, handwriting, reason, timestamper=self.timestamper, level="B-T")
            if not self._tsa_trust_checked:
                self._check_tsa_trust(pdf)
            return SealedContract(pdf, self.signer_subject, "B-T")
        except TimestampUnavailable as error:
            failure = str(error)

        log.warning("contract sealed PAdES B-B without a timestamp, upgrade queued: %s", failure)
        pdf = self._sign_sized(rendered, handwriting, reason, timestamper=None, level="B-B")
        pending = PendingTimestamp.for_pdf(pdf, self.timestamper.tsa_url, failure, datetime.now(timezone.utc))
        return SealedContract(pdf, self.signer_subject, "B-B", pending)

    def _check_tsa_trust(self, pdf: bytes) -> None:
        """Log an error, once, when the TSA's certificate does not chain to the branch's trust roots."""
        self._tsa_trust_checked = True
        result = verify_contract_pdf(pdf, self._trust_roots or [])
        if any(UNTRUSTED_TSA in finding.problems for finding in result.signatures):
            log.error(
                "the timestamp authority %s does not chain to the branch's trust roots, so its contracts will "
                "verify as invalid; add the TSA's root certificate to [signing] trust_roots",
                self.timestamper.tsa_url if self.timestamper else "?",
            )

    def _sign_sized(self, rendered: RenderedContract, handwriting: Image.Image, reason: str, timestamper, level: str) -> bytes:
        """Sign with the space learnt for ``level``; learn it on the first seal, and again if it was too small."""
        reserved = self._reserved.get(level)
        if reserved is not None:
            try:
                return self._sign(rendered, handwriting, reason, timestamper, reserved)
            except _ReservationTooSmall:
                log.warning("the %s signature outgrew the %d hex digits kept for it; sizing it again", level, reserved)

        pdf = self._sign(rendered, handwriting, reason, timestamper, None)
        self._reserved[level] = _reserved_hex_digits(pdf)
        return pdf

    def _sign(self, rendered: RenderedContract, handwriting: Image.Image, reason: str, timestamper, reserved: int | None) -> bytes:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(rendered.pdf))
            fields.append_signature_field(
                writer,
                fields.SigFieldSpec(
                    SIGNATURE_FIELD,
                    on_page=rendered.signature_box.page_index,
                    box=rendered.signature_box.box,
                ),
            )
            metadata = signers.PdfSignatureMetadata(
                field_name=SIGNATURE_FIELD,
                subfilter=SigSeedSubFilter.PADES,
                md_algorithm="sha256",
                reason=reason,
                location=self.location,
                certify=True,
                docmdp_permissions=MDPPerm.FILL_FORMS,
            )
            style = StaticStampStyle(background=PdfImage(handwriting), border_width=0, background_opacity=1.0)
            output = io.BytesIO()
            pdf_signer = signers.PdfSigner(metadata, signer=self.signer, stamp_style=style, timestamper=timestamper)
            pdf_signer.sign_pdf(writer, output=output, bytes_reserved=reserved)
        except (SealingError, TimestampUnavailable):
            raise
        except Exception as error:  # pyHanko raises many unrelated types; all mean "not sealed"
            timestamp_failure = _timestamp_failure(error)
            if timestamp_failure is not None:
                raise timestamp_failure from error
            if reserved is not None and isinstance(error, SigningError) and "larger than expected" in str(error):
                raise _ReservationTooSmall() from error
            log.exception("sealing failed")
            raise SealingError(f"sealing failed: {error}") from error
        return output.getvalue()


class _ReservationTooSmall(Exception):
    """The CMS object did not fit the space kept from an earlier seal."""


def _reserved_hex_digits(pdf: bytes) -> int:
    """Return the size of the last signature's /Contents in ``pdf``, in hex digits.

    The /ByteRange leaves out exactly the hex string, with its two angle brackets.
    """
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1]
    _, first_length, second_start, _ = signature.byte_range
    return second_start - first_length - 2


def _timestamp_failure(error: BaseException) -> TimestampUnavailable | None:
    """Return the :class:`TimestampUnavailable` that ``error`` wraps, if pyHanko wrapped one."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, TimestampUnavailable):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None
