"""The HQ web service: event upload, reference pull and the national ID check, for kiosks only.

Every route needs the verified client certificate of a kiosk (see :mod:`hq.tls`); the
branch and kiosk it names are the only ones a request may speak for. The service keeps
no state between requests: everything is in the database, so any number of processes
can serve behind a load balancer.
"""

import logging
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from hq.ingest import Sender, ingest_batch
from hq.reference import UnknownDataset, changes_after
from hq.tls import NoClientCertificate, sender_from_scope
from sync.protocol import (
    MAX_PULL_CHANGES,
    PROTOCOL_VERSION,
    IdCheckRequest,
    IdCheckResponse,
    PullResponse,
    UploadRequest,
    UploadResponse,
)

log = logging.getLogger(__name__)

# An upload of 500 events with contract PDFs stays well under this.
MAX_REQUEST_BYTES = 64 * 1024 * 1024


@dataclass
class Services:
    """The services behind the routes: the database and the national ID check (``None`` when HQ has none)."""

    engine: Engine
    id_checks: object | None = None  # hq.id_check.IdCheckDesk, set up by the caller


def create_app(services: Services) -> FastAPI:
    """Return the ASGI application over ``services``."""
    app = FastAPI(title="CounterSign HQ", version=str(PROTOCOL_VERSION), docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services

    @app.middleware("http")
    async def bounded_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if request.method == "POST" and (length is None or not length.isdigit() or int(length) > MAX_REQUEST_BYTES):
            return JSONResponse({"error": "body_too_large", "detail": f"send a Content-Length of at most {MAX_REQUEST_BYTES} bytes"}, 413)
        return await call_next(request)

    @app.exception_handler(NoClientCertificate)
    async def no_certificate(request: Request, error: NoClientCertificate):
        log.warning("request %s %s rejected: %s", request.method, request.url.path, error)
        return JSONResponse({"error": "no_client_certificate", "detail": str(error)}, 403)

    @app.get("/v1/health")
    def health(request: Request) -> dict:
        sender = sender_from_scope(request.scope)
        return {"status": "ok", "protocol": PROTOCOL_VERSION, "branch_id": sender.branch_id, "kiosk_id": sender.kiosk_id}

    @app.post("/v1/events", response_model=UploadResponse)
    def upload(batch: UploadRequest, request: Request) -> UploadResponse:
        sender = sender_from_scope(request.scope)
        try:
            return ingest_batch(services.engine, batch, sender)
        except PermissionError as error:
            log.warning("upload rejected: %s", error)
            raise HTTPException(403, {"error": "wrong_sender", "detail": str(error)}) from error

    @app.get("/v1/reference/{dataset}", response_model=PullResponse)
    def pull(dataset: str, request: Request, after: int = Query(0, ge=0), limit: int = Query(MAX_PULL_CHANGES, ge=1)) -> PullResponse:
        sender: Sender = sender_from_scope(request.scope)
        try:
            response = changes_after(services.engine, dataset, after, limit)
        except UnknownDataset as error:
            raise HTTPException(404, {"error": "unknown_dataset", "detail": str(error)}) from error
        log.debug("branch %s pulled %d changes of %s after %d", sender.branch_id, len(response.changes), dataset, after)
        return response

    @app.post("/v1/id-check", response_model=IdCheckResponse)
    def id_check(check_request: IdCheckRequest, request: Request) -> IdCheckResponse:
        sender = sender_from_scope(request.scope)
        if services.id_checks is None:
            raise HTTPException(503, {"error": "no_id_service", "detail": "this HQ has no national ID check configured"})
        return services.id_checks.check_online(check_request, sender)

    return app
