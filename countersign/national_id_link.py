"""The kiosk's national ID check through HQ: the one module that imports both the session's interface and the HQ client."""

import base64
import logging
import uuid

from countersign.config import BranchConfig
from countersign.sync_link import hq_client
from kiosk.identity.id_number import mask_id_number
from kiosk.identity.national_id import NationalIdResult
from sync.client import HqClient, HqRefused, HqUnreachable
from sync.protocol import IdCheckOutcome, IdCheckRequest

log = logging.getLogger(__name__)


class HqNationalIdService:
    """Sends ``POST /v1/id-check`` to the branch's HQ, waiting at most ``timeout`` seconds for each phase.

    Any failure to get a result (no connection, a timeout, an error response) returns
    ``UNAVAILABLE``, so the session decides offline and HQ re-checks later.
    """

    # NOTE: httpx applies the timeout to connecting, sending and each read separately, so
    # a server that trickles its response can hold the kiosk for a few times ``timeout``.

    def __init__(self, client: HqClient, timeout: float) -> None:
        self.client = client
        self.timeout = timeout

    def check(self, request_id: str, name: str, number: str, photo: bytes | None) -> NationalIdResult:
        request = IdCheckRequest(
            request_id=str(uuid.UUID(request_id)),
            name=name,
            number=number,
            photo_jpeg_base64=base64.b64encode(photo).decode("ascii") if photo else None,
        )
        try:
            response = self.client.id_check(request, self.timeout)
        except HqUnreachable as error:
            log.warning("national ID check %s for %s: HQ unavailable: %s", request.request_id, mask_id_number(number), error)
            return NationalIdResult(IdCheckOutcome.UNAVAILABLE, detail=f"HQ unavailable: {error}")
        except HqRefused as error:
            # The response body can echo the request (a validation error names its input), so only the status line is kept.
            status = str(error).split(": ", 1)[0]
            log.error("national ID check %s for %s: %s", request.request_id, mask_id_number(number), status)
            return NationalIdResult(IdCheckOutcome.UNAVAILABLE, detail=status)

        log.info(
            "national ID check %s for %s: %s%s",
            request.request_id, mask_id_number(number), response.outcome.value, f" ({response.detail})" if response.detail else "",
        )
        return NationalIdResult(response.outcome, response.photo_checked, response.detail)

    def close(self) -> None:
        self.client.close()


def build_national_id_service(config: BranchConfig) -> HqNationalIdService | None:
    """Return the national ID check through the branch's HQ, or ``None`` for a branch without ``[hq]``."""
    if config.hq is None:
        return None
    return HqNationalIdService(hq_client(config, timeout=config.hq.id_check_timeout), config.hq.id_check_timeout)
