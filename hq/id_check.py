"""The national ID check (公民身份信息核查) at HQ: the citizen identity service and the desk that queries it.

Kiosks send their checks through :class:`IdCheckDesk` while the customer waits, with a
bounded wait. A kiosk that got no result (HQ or the national service unavailable, or the
branch offline) approves on the card chip, the face and its local records. Its upload
then carries the name and number, so that :meth:`IdCheckDesk.recheck_pending` checks
them again at HQ. A failed re-check raises an alert row for HQ's risk staff.

Every check is recorded in ``id_checks`` with the masked number and its duration, never
the name or the full number, and logs carry the same masked form.
"""

import base64
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import httpx
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hq.ingest import Sender
from hq.reference import publish_in
from hq.schema import alerts, id_checks, offline_approvals
from kiosk.identity.id_number import mask_id_number
from sync.protocol import IdCheckOutcome, IdCheckRequest, IdCheckResponse

log = logging.getLogger(__name__)

DEFINITIVE = (IdCheckOutcome.MATCH, IdCheckOutcome.MISMATCH, IdCheckOutcome.NOT_FOUND)
RECHECK_FAILED_ALERT = "id_recheck_failed"

# Share of online checks that must get a definitive result, as the company's plan sets it.
SUCCESS_RATE_TARGET = 0.95


@dataclass(frozen=True)
class CitizenCheckResult:
    """The citizen identity service's result for one person; ``detail`` names no person."""

    outcome: IdCheckOutcome
    photo_checked: bool = False
    detail: str = ""


class CitizenIdentityService(Protocol):
    """The national citizen identity service, or a stand-in for it."""

    def check(self, name: str, number: str, photo: bytes | None, timeout: float) -> CitizenCheckResult:
        """Check whether ``name`` and ``number`` belong together (and ``photo`` to them, when given).

        Returns ``UNAVAILABLE`` when the service sends no response within ``timeout`` seconds
        or responds outside its interface, and never raises for that.
        """


class HttpCitizenIdentityService:
    """JSON over HTTP to a citizen identity service at ``base_url``.

    The interface is the stand-in's (:mod:`hq.id_standin`): ``POST
    /v1/citizen-identity/check`` with ``{"name", "number", "photo_base64"}`` returns
    ``{"result": "match" | "mismatch" | "not_found", "photo_checked": bool}``, and 503
    while the service is down.
    """

    # NOTE: this adapter speaks the stand-in's interface, because the public-security
    # service's own API, credentials and TLS are not reachable from this project. A
    # production adapter written to the ministry's specification replaces only this class.

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def check(self, name: str, number: str, photo: bytes | None, timeout: float) -> CitizenCheckResult:
        body = {"name": name, "number": number, "photo_base64": base64.b64encode(photo).decode("ascii") if photo else None}
        try:
            response = self._http.post("/v1/citizen-identity/check", json=body, timeout=timeout)
        except httpx.TimeoutException:
            return CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"the citizen identity service timed out after {timeout:g} s")
        except httpx.TransportError as error:
            return CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"no connection to the citizen identity service: {type(error).__name__}")
        if response.status_code != 200:
            return CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"the citizen identity service responded with HTTP {response.status_code}")

        try:
            content = response.json()
            outcome = IdCheckOutcome(content["result"])
            photo_checked = bool(content.get("photo_checked", False))
        except (ValueError, KeyError, TypeError) as error:
            return CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"the citizen identity service's response is invalid: {type(error).__name__}")
        if outcome not in DEFINITIVE:
            return CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"the citizen identity service returned {outcome.value}")
        return CitizenCheckResult(outcome, photo_checked)


@dataclass(frozen=True)
class RecheckReport:
    """One run of :meth:`IdCheckDesk.recheck_pending`; ``pending`` counts what still waits after it."""

    checked: int
    confirmed: int
    failed: int
    pending: int

    def to_json(self) -> dict:
        return {"checked": self.checked, "confirmed": self.confirmed, "failed": self.failed, "pending": self.pending}


@dataclass(frozen=True)
class IdCheckRate:
    """Online checks between ``since`` and ``until`` by outcome, and the re-checks of offline approvals.

    ``answered_rate`` is the share of online checks with a definitive result (match,
    mismatch or not found): the figure the company's target of 95 % applies to, since
    it measures whether kiosks could check at all. ``match_rate`` is the share of those
    results that matched, which depends on the customers rather than on the service.
    Both are ``None`` when there is nothing to divide.
    """

    since: datetime
    until: datetime
    online: dict[str, int]
    recheck: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.online.values())

    @property
    def answered(self) -> int:
        return sum(self.online.get(outcome.value, 0) for outcome in DEFINITIVE)

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.total if self.total else None

    @property
    def match_rate(self) -> float | None:
        return self.online.get(IdCheckOutcome.MATCH.value, 0) / self.answered if self.answered else None

    @property
    def meets_target(self) -> bool | None:
        rate = self.answered_rate
        return None if rate is None else rate >= SUCCESS_RATE_TARGET

    def to_json(self) -> dict:
        return {
            "from": self.since.isoformat(),
            "to": self.until.isoformat(),
            "online": self.online,
            "recheck": self.recheck,
            "total": self.total,
            "answered": self.answered,
            "answered_rate": self.answered_rate,
            "match_rate": self.match_rate,
            "target": SUCCESS_RATE_TARGET,
            "meets_target": self.meets_target,
        }


class IdCheckDesk:
    """HQ's national ID checks over ``service``, each waiting at most ``timeout`` seconds."""

    def __init__(self, engine: Engine, service: CitizenIdentityService, timeout: float = 3.0, workers: int = 8) -> None:
        self.engine = engine
        self.service = service
        self.timeout = timeout
        # The service is queried on a worker thread, so that the caller's wait ends at the
        # timeout even when the service's HTTP client is stuck in a slow stream.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="id-check")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def check_online(self, request: IdCheckRequest, sender: Sender) -> IdCheckResponse:
        """Query the service for a kiosk, record the check and return its result.

        Returns ``UNAVAILABLE`` when the service sends no result within the timeout or
        fails, so the kiosk decides offline. A repeated ``request_id`` is queried again
        but recorded once.
        """
        photo = base64.b64decode(request.photo_jpeg_base64) if request.photo_jpeg_base64 else None
        result, seconds = self._ask(request.name, request.number, photo)
        checked_at = datetime.now(timezone.utc)

        with self.engine.begin() as connection:
            _record(connection, request.request_id, sender.branch_id, "online", result, request.number, seconds, checked_at)
        log.info(
            "branch %s kiosk %s: national ID check %s for %s: %s in %.2f s%s",
            sender.branch_id, sender.kiosk_id, request.request_id, mask_id_number(request.number), result.outcome.value, seconds,
            f" ({result.detail})" if result.detail else "",
        )
        return IdCheckResponse(
            request_id=request.request_id,
            outcome=result.outcome,
            photo_checked=result.photo_checked,
            detail=result.detail,
            checked_at=checked_at,
        )

    def recheck_pending(self, limit: int = 100) -> RecheckReport:
        """Check up to ``limit`` pending offline approvals again, oldest first.

        A match confirms the approval. A mismatch or an unknown number fails it and raises
        an alert for risk staff. After either, the name and number are cleared. While
        the service is unavailable the approval stays pending with one more attempt.
        """
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(offline_approvals.c.verification_id, offline_approvals.c.branch_id, offline_approvals.c.name, offline_approvals.c.number)
                .where(offline_approvals.c.state == "pending")
                .order_by(offline_approvals.c.received_at)
                .limit(limit)
            ).all()

        confirmed = failed = 0
        for row in rows:
            state = self._recheck_one(row)
            confirmed += state == "confirmed"
            failed += state == "failed"

        with self.engine.connect() as connection:
            pending = connection.execute(
                select(func.count()).select_from(offline_approvals).where(offline_approvals.c.state == "pending")
            ).scalar_one()
        report = RecheckReport(checked=len(rows), confirmed=confirmed, failed=failed, pending=pending)
        log.info("re-check of offline approvals: %s", report.to_json())
        return report

    def success_rate(self, since: datetime, until: datetime) -> IdCheckRate:
        """Count checks by kind and outcome with ``since <= checked_at < until``; both bounds must be aware."""
        return success_rate(self.engine, since, until)

    def _ask(self, name: str, number: str, photo: bytes | None) -> tuple[CitizenCheckResult, float]:
        """Query the service; return its result and the seconds the caller waited."""
        started = time.monotonic()
        future = self._pool.submit(self.service.check, name, number, photo, self.timeout)
        try:
            result = future.result(timeout=self.timeout)
        except FutureTimeout:
            future.cancel()
            result = CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"timed out after {self.timeout:g} s")
        except Exception as error:
            log.exception("the citizen identity service adapter failed")
            result = CitizenCheckResult(IdCheckOutcome.UNAVAILABLE, detail=f"the adapter failed: {type(error).__name__}")
        return result, time.monotonic() - started

    def _recheck_one(self, row) -> str:
        """Re-check one offline approval; return its state afterwards."""
        masked = mask_id_number(row.number or "")
        if not row.name or not row.number:
            log.error("offline approval %s of branch %s has no name or number to re-check", row.verification_id, row.branch_id)
            result, seconds = CitizenCheckResult(IdCheckOutcome.NOT_FOUND, detail="the approval carried no name or number"), 0.0
        else:
            result, seconds = self._ask(row.name, row.number, None)
        now = datetime.now(timezone.utc)

        with self.engine.begin() as connection:
            _record(connection, _request_id(row.verification_id), row.branch_id, "recheck", result, row.number or "", seconds, now)
            if result.outcome is IdCheckOutcome.UNAVAILABLE:
                connection.execute(
                    update(offline_approvals)
                    .where(offline_approvals.c.verification_id == row.verification_id, offline_approvals.c.state == "pending")
                    .values(attempts=offline_approvals.c.attempts + 1)
                )
                log.warning(
                    "offline approval %s of branch %s stays pending: %s", row.verification_id, row.branch_id, result.detail
                )
                return "pending"

            state = "confirmed" if result.outcome is IdCheckOutcome.MATCH else "failed"
            connection.execute(
                update(offline_approvals)
                .where(offline_approvals.c.verification_id == row.verification_id, offline_approvals.c.state == "pending")
                .values(state=state, name=None, number=None, attempts=offline_approvals.c.attempts + 1, checked_at=now)
            )
            if state == "failed":
                _raise_alert(connection, row.branch_id, row.verification_id, result, masked, now)
                if row.number:
                    # Every branch learns of it, so the person's next rental is refused offline too.
                    publish_in(
                        connection,
                        "risk_flags",
                        [(f"nid-{row.verification_id}", {"document_number": row.number, "national_id_rejected": [row.verification_id]})],
                        now,
                    )
        log.log(
            logging.WARNING if state == "failed" else logging.INFO,
            "offline approval %s of branch %s for %s: re-check %s, %s",
            row.verification_id, row.branch_id, masked, result.outcome.value, state,
        )
        return state


def success_rate(engine: Engine, since: datetime, until: datetime) -> IdCheckRate:
    """Count checks by kind and outcome with ``since <= checked_at < until``; both bounds must be aware."""
    since_utc, until_utc = since.astimezone(timezone.utc), until.astimezone(timezone.utc)
    counts: dict[str, dict[str, int]] = {"online": {}, "recheck": {}}
    with engine.connect() as connection:
        rows = connection.execute(
            select(id_checks.c.kind, id_checks.c.outcome, func.count())
            .where(id_checks.c.checked_at >= since_utc, id_checks.c.checked_at < until_utc)
            .group_by(id_checks.c.kind, id_checks.c.outcome)
        )
        for kind, outcome, count in rows:
            counts.setdefault(kind, {})[outcome] = count
    return IdCheckRate(since, until, counts["online"], counts["recheck"])


def _request_id(verification_id: str) -> str:
    """Return a verification id in the UUID form kiosks use for request ids, so both kinds of check share it."""
    try:
        return str(uuid.UUID(verification_id))
    except ValueError:
        return verification_id[:36]


def _record(
    connection: Connection,
    request_id: str,
    branch_id: str,
    kind: str,
    result: CitizenCheckResult,
    number: str,
    seconds: float,
    checked_at: datetime,
) -> None:
    """Record one check; a re-check of the same request replaces its earlier attempt, an online repeat is kept once."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {
        "request_id": request_id,
        "branch_id": branch_id,
        "kind": kind,
        "outcome": result.outcome.value,
        "photo_checked": result.photo_checked,
        "masked_number": mask_id_number(number),
        "seconds": seconds,
        "checked_at": checked_at,
    }
    statement = dialect.insert(id_checks).values(values)
    if kind == "recheck":
        changed = {name: values[name] for name in ("outcome", "photo_checked", "seconds", "checked_at")}
        statement = statement.on_conflict_do_update(index_elements=["request_id", "kind"], set_=changed)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["request_id", "kind"])
    connection.execute(statement)


def _raise_alert(connection: Connection, branch_id: str, verification_id: str, result: CitizenCheckResult, masked: str, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    detail = (
        f"verification {verification_id} was approved offline at branch {branch_id}, "
        f"and the national ID check of {masked} returned {result.outcome.value} at HQ; "
        "contact the branch about the rental"
    )
    connection.execute(
        dialect.insert(alerts)
        .values(kind=RECHECK_FAILED_ALERT, branch_id=branch_id, subject=verification_id, detail=detail, created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "subject"])
    )
