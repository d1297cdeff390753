"""The kiosk's HTTPS client for HQ: upload, pull and the national ID check, over mutual TLS.

Errors come in two kinds, because the sync agent treats them differently:
:class:`HqUnreachable` (no connection, a timeout, a 5xx response) means "try again
later". :class:`HqRefused` (a 4xx response, a response outside the protocol, a
server certificate that is not HQ's, or an expired kiosk certificate) means a fault
that retrying will not fix.
"""

import logging
import ssl

import httpx
from pydantic import ValidationError

from sync.protocol import IdCheckRequest, IdCheckResponse, PullResponse, UploadRequest, UploadResponse

log = logging.getLogger(__name__)


class HqUnreachable(Exception):
    """HQ did not respond, or responded with a server error, so the request may be repeated."""


class HqRefused(Exception):
    """HQ rejected the request (4xx) or responded outside the protocol, so repeating it will not help."""


class HqNotTrusted(HqRefused):
    """The server's certificate is not from HQ's CA, has expired or names another host."""


class KioskCertificateInvalid(HqRefused):
    """The kiosk's own client certificate has expired or is not valid yet, so HQ would reject the handshake."""


class HqClient:
    """One connection pool to HQ at ``base_url`` (``https://`` only)."""

    def __init__(self, base_url: str, context: ssl.SSLContext, timeout: float = 15.0) -> None:
        if not base_url.startswith("https://"):
            raise ValueError(f"HQ address {base_url!r} is not https://; plain HTTP is not allowed")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, verify=context, timeout=timeout, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "HqClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def upload(self, batch: UploadRequest) -> UploadResponse:
        body = batch.model_dump_json().encode("utf-8")
        response = self._send("POST", "/v1/events", content=body, headers={"content-type": "application/json"})
        return self._parse(UploadResponse, response)

    def pull(self, dataset: str, after: int, limit: int | None = None) -> PullResponse:
        params = {"after": after} | ({"limit": limit} if limit else {})
        return self._parse(PullResponse, self._send("GET", f"/v1/reference/{dataset}", params=params))

    def id_check(self, asked: IdCheckRequest, timeout: float) -> IdCheckResponse:
        """Ask the national ID check through HQ, waiting at most ``timeout`` seconds in all."""
        body = asked.model_dump_json().encode("utf-8")
        response = self._send("POST", "/v1/id-check", content=body, headers={"content-type": "application/json"}, timeout=timeout)
        return self._parse(IdCheckResponse, response)

    def health(self) -> dict:
        response = self._send("GET", "/v1/health")
        try:
            return response.json()
        except ValueError as error:
            raise HqRefused(f"HQ health response is not JSON: {error}") from error

    def _send(self, method: str, path: str, **options) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.TimeoutException as error:
            raise HqUnreachable(f"HQ timed out on {method} {path} ({type(error).__name__})") from error
        except httpx.TransportError as error:
            verification = _certificate_failure(error)
            if verification is not None:
                log.error("HQ at %s is not trusted: %s", self.base_url, verification)
                raise HqNotTrusted(f"the server at {self.base_url} is not trusted: {verification}") from error
            raise HqUnreachable(f"no connection to HQ for {method} {path}: {error}") from error
        if response.status_code >= 500:
            raise HqUnreachable(f"HQ responded to {method} {path} with {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise HqRefused(f"HQ rejected {method} {path} with {response.status_code}: {response.text[:500]}")
        return response

    @staticmethod
    def _parse(model, response: httpx.Response):
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise HqRefused(f"HQ's response is not a valid {model.__name__}: {error.errors()[:3]}") from error


def _certificate_failure(error: BaseException) -> str | None:
    """Return the verification message when ``error`` comes from a refused server certificate."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        seen = seen.__cause__ or seen.__context__
    return "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in str(error) else None
