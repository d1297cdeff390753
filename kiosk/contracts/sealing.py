"""Sealing a rendered contract with the branch's company signature, PAdES baseline B-B.

The sealer wraps a pyHanko ``Signer``; branch configuration offers a PKCS#12 file for
now. The customer's handwritten signature is the visible appearance of the company's
signature field, so the seal covers it with everything else.

NOTE: the customer has no signing key of their own yet, so the only digital signature
is the company's seal over the customer's handwriting. A PKCS#11 token or HSM for the
seal would plug in as another pyHanko ``Signer``.
"""

import io
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.stamp import StaticStampStyle

from kiosk.contracts.render import RenderedContract
from kiosk.errors import SealingError

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "ContractSeal"


@dataclass(frozen=True)
class SealedContract:
    pdf: bytes
    signer_subject: str


class ContractSealer:
    """Applies a PAdES B-B signature with one signer; safe to call from one worker thread."""

    def __init__(self, signer: signers.Signer, location: str) -> None:
        self.signer = signer
        self.location = location

    @classmethod
    def from_pkcs12(cls, path: Path, passphrase: bytes, location: str) -> "ContractSealer":
        """Load the company key and certificate chain; raises :class:`SealingError` on a bad file or passphrase."""
        if not path.is_file():
            raise SealingError(f"signing key file {path} not found")
        try:
            signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
        except (OSError, ValueError) as error:
            raise SealingError(f"cannot load signing key {path}: {error}") from error
        if signer is None:
            raise SealingError(f"cannot load signing key {path}: wrong passphrase or not a PKCS#12 file")
        return cls(signer, location)

    @property
    def signer_subject(self) -> str:
        return self.signer.signing_cert.subject.human_friendly

    def seal(self, rendered: RenderedContract, signature_png: bytes, reason: str) -> SealedContract:
        """Add the visible signature field with the handwriting and sign the whole file."""
        try:
            handwriting = Image.open(io.BytesIO(signature_png))
            handwriting.load()
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
            )
            style = StaticStampStyle(background=PdfImage(handwriting), border_width=0, background_opacity=1.0)
            output = io.BytesIO()
            signers.PdfSigner(metadata, signer=self.signer, stamp_style=style).sign_pdf(writer, output=output)
        except SealingError:
            raise
        except Exception as error:  # pyHanko raises many unrelated types; all mean "not sealed"
            log.exception("sealing failed")
            raise SealingError(f"sealing failed: {error}") from error
        return SealedContract(pdf=output.getvalue(), signer_subject=self.signer_subject)
