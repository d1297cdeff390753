"""Long-term validation of sealed contracts: PAdES B-LT and B-LTA, added later at headquarters.

A branch seals offline (B-B) or with a timestamp (B-T). Headquarters, which is online,
then calls :func:`add_validation_info` to embed the certificates, OCSP responses and
CRLs of every signature and timestamp in the file (B-LT). It calls
:func:`add_archive_timestamp` to add a document timestamp over them (B-LTA), and
calls it again before that timestamp's certificate expires.

Both functions fetch revocation data over HTTP from the responders named in the
certificates. They require it for every certificate below a trust root, so a file is
never marked long-term valid on missing data.
"""

import asyncio
import io
import logging
from collections.abc import Iterable

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.validation import DocumentSecurityStore, collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from kiosk.contracts.timestamps import TimestampUnavailable
from kiosk.errors import SealingError

log = logging.getLogger(__name__)

DEFAULT_FETCH_TIMEOUT_SECONDS = 10.0


class LtvError(SealingError):
    """Validation data could not be added; the text names the signature and the reason."""


class ValidationDataUnavailable(LtvError):
    """A chain could not be built or its OCSP/CRL could not be fetched; try again later."""


class CertificateRevoked(LtvError):
    """A certificate in a signature's chain is revoked; retrying will not help."""


def revocation_context(
    trust_roots: Iterable[asn1_x509.Certificate], timeout_seconds: float = DEFAULT_FETCH_TIMEOUT_SECONDS
) -> ValidationContext:
    """Return a validation context that fetches OCSP responses and CRLs and requires them for every certificate.

    ``timeout_seconds`` bounds each HTTP request. The context closes its own HTTP
    session at the end of each function of this module.
    """
    return ValidationContext(
        trust_roots=list(trust_roots),
        allow_fetching=True,
        revocation_mode="require",
        fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(per_request_timeout=timeout_seconds)),
    )


def add_validation_info(pdf: bytes, validation_context: ValidationContext) -> bytes:
    """Embed the validation data of every signature and document timestamp of ``pdf`` (B-T to B-LT).

    Writes one incremental update with the DSS and returns the new file. Raises
    :class:`CertificateRevoked`, :class:`ValidationDataUnavailable`, or :class:`LtvError`
    when the PDF has no signature or cannot be updated.
    """
    return asyncio.run(_closing(_add_validation_info(pdf, validation_context), validation_context))


def add_archive_timestamp(pdf: bytes, timestamper: TimeStamper, validation_context: ValidationContext) -> bytes:
    """Embed all validation data and a document timestamp over it in one update (B-LT to B-LTA).

    The new timestamp covers the DSS, so the data stays provable after the
    certificates expire. pyHanko then adds the new timestamp's own validation data in
    a further update, for the next archive timestamp to cover. Raises what
    :func:`add_validation_info` raises, and :class:`TimestampUnavailable` when the TSA
    fails.
    """
    return asyncio.run(_closing(_add_archive_timestamp(pdf, timestamper, validation_context), validation_context))


async def _closing(operation, validation_context: ValidationContext):
    try:
        return await operation
    finally:
        await validation_context.aclose()


async def _add_validation_info(pdf: bytes, validation_context: ValidationContext) -> bytes:
    reader, writer = _open(pdf)
    await _supply_dss(reader, writer, validation_context)

    output = io.BytesIO()
    writer.write(output)
    log.info("validation data added for %d signature(s)", len(reader.embedded_signatures))
    return output.getvalue()


async def _add_archive_timestamp(pdf: bytes, timestamper: TimeStamper, validation_context: ValidationContext) -> bytes:
    reader, writer = _open(pdf)
    await _supply_dss(reader, writer, validation_context)

    output = io.BytesIO()
    try:
        await PdfTimeStamper(timestamper).async_timestamp_pdf(
            writer, "sha256", validation_context=validation_context, output=output
        )
    except TimestampUnavailable:
        raise
    except TimestampRequestError as error:
        raise TimestampUnavailable(f"archive timestamp failed: {error.__cause__ or error}") from error
    except RevokedError as error:
        raise CertificateRevoked(f"the TSA certificate is revoked: {error}") from error
    except (PathBuildingError, PathValidationError) as error:
        raise ValidationDataUnavailable(f"cannot validate the TSA certificate: {error}") from error
    except (PdfError, SigningError) as error:
        raise LtvError(f"cannot add an archive timestamp: {error}") from error
    log.info("archive timestamp added over %d signature(s)", len(reader.embedded_signatures))
    return output.getvalue()


def _open(pdf: bytes) -> tuple[PdfFileReader, IncrementalPdfFileWriter]:
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as error:
        raise LtvError(f"not a readable PDF: {error}") from error
    if not signatures:
        raise LtvError("the PDF has no signature to add validation data for")
    return reader, IncrementalPdfFileWriter.from_reader(reader)


async def _supply_dss(reader: PdfFileReader, writer: IncrementalPdfFileWriter, validation_context: ValidationContext) -> None:
    """Put the chain, OCSP responses and CRLs of each signature into the writer's DSS, with a VRI entry each."""
    for signature in reader.embedded_signatures:
        try:
            paths = await collect_validation_info(signature, validation_context)
        except RevokedError as error:
            raise CertificateRevoked(f"signature {signature.field_name}: {error}") from error
        except (PathBuildingError, PathValidationError) as error:
            raise ValidationDataUnavailable(
                f"signature {signature.field_name}: no complete chain with revocation data: {error}"
            ) from error

        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            signature.pkcs7_content.hex().encode("ascii"),
            paths=paths,
            validation_context=validation_context,
        )
