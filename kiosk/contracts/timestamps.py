"""RFC 3161 timestamps for the seal: a bounded TSA client, the queued-upgrade marker and document timestamps.

At the branch, :class:`ContractTimestamper` asks the timestamp authority (TSA) for the
signature timestamp that makes a seal PAdES B-T. All requests of one seal share one
time budget (5 s by default), so a slow TSA never holds a customer longer than that.
When the TSA fails, the sealer signs B-B and returns a :class:`PendingTimestamp`. The
store queues it as a ``contract.timestamp_pending`` outbox event, and later the sync
side calls :func:`add_document_timestamp`, which makes the file B-T through a
document timestamp.
"""

import asyncio
import hashlib
import io
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Iterator

from asn1crypto import cms, tsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from kiosk.errors import SealingError
from kiosk.messages import Message

log = logging.getLogger(__name__)

DEFAULT_TSA_BUDGET_SECONDS = 5.0
TIMESTAMP_PENDING_EVENT = "contract.timestamp_pending"


class TimestampUnavailable(SealingError):
    """The TSA did not respond in time, could not be reached, or returned an unusable response."""

    message = Message(
        "时间戳服务暂不可用，稍后将自动补盖时间戳。",
        "The timestamp service is not available; the timestamp will be added later.",
    )


class ContractTimestamper(HTTPTimeStamper):
    """An HTTP TSA client whose requests share one time budget per seal.

    Inside :meth:`budget`, every request waits only for what is left of
    ``budget_seconds``. Outside it, each request may take ``budget_seconds``. Every
    failure (timeout, connection refused, HTTP error, wrong content type, malformed or
    mismatched token) raises :class:`TimestampUnavailable`.

    pyHanko asks once for a sample token to size the signature (cached on this object)
    and once for the real token, so keep one instance for the life of the sealer.
    """

    def __init__(self, tsa_url: str, budget_seconds: float = DEFAULT_TSA_BUDGET_SECONDS) -> None:
        super().__init__(tsa_url, timeout=budget_seconds)
        self.tsa_url = tsa_url
        self.budget_seconds = budget_seconds
        self._deadline: float | None = None

    @contextmanager
    def budget(self) -> Iterator[None]:
        """Start the shared time budget for the requests made inside this block."""
        self._deadline = time.monotonic() + self.budget_seconds
        try:
            yield
        finally:
            self._deadline = None

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        remaining = self.budget_seconds if self._deadline is None else self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimestampUnavailable(f"TSA {self.tsa_url}: the {self.budget_seconds:g} s budget was used up")
        try:
            return await asyncio.wait_for(super().async_request_tsa_response(req), timeout=remaining)
        except TimeoutError as error:
            raise TimestampUnavailable(
                f"TSA {self.tsa_url} did not answer within the {self.budget_seconds:g} s budget"
            ) from error
        except TimestampRequestError as error:
            cause = error.__cause__ or error
            raise TimestampUnavailable(f"TSA {self.tsa_url} request failed: {cause}") from error

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        try:
            token = await super().async_timestamp(message_digest, md_algorithm)
            _check_imprint(token, message_digest, md_algorithm)
        except TimestampUnavailable:
            raise
        except Exception as error:  # asn1crypto raises many types on malformed DER; all mean "unusable"
            raise TimestampUnavailable(
                f"TSA {self.tsa_url} answered with an unusable response: {type(error).__name__}: {error}"
            ) from error
        return token


def _check_imprint(token: cms.ContentInfo, message_digest: bytes, md_algorithm: str) -> None:
    """Raise ``ValueError`` unless the token timestamps ``message_digest`` with ``md_algorithm``."""
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    imprint = tst_info["message_imprint"]
    if imprint["hash_algorithm"]["algorithm"].native != md_algorithm.lower():
        raise ValueError(f"token uses {imprint['hash_algorithm']['algorithm'].native}, not {md_algorithm}")
    if imprint["hashed_message"].native != message_digest:
        raise ValueError("token timestamps another digest than the one requested")


@dataclass(frozen=True)
class PendingTimestamp:
    """A seal made without a timestamp, and what the outbox needs to add one later.

    The store writes it as an outbox event of type :attr:`event_type` with the contract
    number as aggregate id and :meth:`payload` as payload. Whoever processes the event
    calls :func:`add_document_timestamp` on the stored PDF, after checking that its
    SHA-256 still equals ``pdf_sha256``.
    """

    tsa_url: str
    reason: str
    failed_at: datetime
    pdf_sha256: str

    event_type: ClassVar[str] = TIMESTAMP_PENDING_EVENT

    @classmethod
    def for_pdf(cls, pdf: bytes, tsa_url: str, reason: str, failed_at: datetime) -> "PendingTimestamp":
        return cls(tsa_url=tsa_url, reason=reason, failed_at=failed_at, pdf_sha256=hashlib.sha256(pdf).hexdigest())

    def payload(self, contract_no: str) -> dict:
        """Return the JSON-serialisable outbox payload for contract ``contract_no``."""
        return {
            "contract_no": contract_no,
            "pdf_sha256": self.pdf_sha256,
            "tsa_url": self.tsa_url,
            "reason": self.reason,
            "failed_at": self.failed_at.isoformat(),
            "upgrade": "document_timestamp",
        }


def add_document_timestamp(
    pdf: bytes, timestamper: TimeStamper, validation_context: ValidationContext | None = None
) -> bytes:
    """Append a PAdES document timestamp to ``pdf`` in an incremental update and return the new file.

    A document timestamp over a B-B seal gives it PAdES B-T. With ``validation_context``,
    pyHanko also checks the TSA's chain and adds its certificates and revocation data to
    the DSS. Raises :class:`TimestampUnavailable` when the TSA fails, and
    :class:`SealingError` when the PDF cannot be updated.
    """
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = io.BytesIO()
        PdfTimeStamper(timestamper).timestamp_pdf(
            writer, "sha256", validation_context=validation_context, output=output
        )
    except TimestampUnavailable:
        raise
    except TimestampRequestError as error:
        raise TimestampUnavailable(f"document timestamp failed: {error.__cause__ or error}") from error
    except (PdfError, SigningError, ValueError) as error:
        raise SealingError(f"cannot add a document timestamp: {error}") from error
    log.info("document timestamp added (%d bytes before, %d after)", len(pdf), len(output.getvalue()))
    return output.getvalue()
