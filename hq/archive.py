"""HQ's contract archive: upgrade the contracts that branches send to PAdES B-LTA, and find them again.

:func:`upgrade_pending` works through the contracts whose ``upgrade_state`` is
"pending" (see :mod:`hq.archive_upgrade` for the steps). The branch's PDF in ``pdf`` is
never changed. The B-LTA file goes to ``archived_pdf``. A contract whose seal or hash
does not hold is marked "failed" with an alert for legal staff. One that met a
network failure stays "pending" with the reason in ``upgrade_detail``.

Several processes may run it at once. On PostgreSQL each takes one row at a time with
``SELECT … FOR UPDATE SKIP LOCKED`` and holds the lock until its result is written. A
crashed process releases it, so its row is simply pending again. SQLite has one writer
at a time, so the runs on one SQLite file take turns through a lock file beside it.
Every result is written with an UPDATE conditional on the row still being pending.
"""

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hq.archive_upgrade import STATE_DONE, STATE_FAILED, STATE_PENDING, UpgradeOutcome, UpgradeSources, upgrade_contract
from hq.pdfsig import nss_trust_store
from hq.schema import alerts, contracts
from kiosk.contracts.validation import load_trust_roots

log = logging.getLogger(__name__)

STATES = (STATE_PENDING, STATE_DONE, STATE_FAILED)
DEFAULT_UPGRADE_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 100
MAX_DETAIL_CHARS = 2000
# The zone of the signing days that ``hq archive search`` takes.
CHINA_STANDARD_TIME = ZoneInfo("Asia/Shanghai")

# Every column but the two PDFs.
_METADATA = [column for column in contracts.c if column.name not in ("pdf", "archived_pdf")]


class ArchiveNotConfigured(ValueError):
    """HQ's settings lack the TSA or the trust roots, or a trust root cannot be read."""


class ContractNotFound(LookupError):
    """No archived contract has the number asked for."""


@dataclass
class UpgradeReport:
    """The result of one run: contracts upgraded, failed and left pending by it, and the count pending now."""

    upgraded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    pending: int = 0

    def to_json(self) -> dict:
        return {
            "upgraded": len(self.upgraded),
            "failed": len(self.failed),
            "pending": self.pending,
            "contracts": {"upgraded": self.upgraded, "failed": self.failed, "retry": self.retry},
        }


@dataclass(frozen=True)
class ArchivedContract:
    """One contract's row without its PDFs; ``pdf`` is the archived file only when asked for by number."""

    contract_no: str
    branch_id: str
    event_id: str
    reservation_no: str | None
    verification_id: str | None
    template: str | None
    signed_at: datetime
    pdf_sha256: str
    pades_level: str
    archived_pades_level: str | None
    upgrade_state: str
    upgrade_detail: str
    upgraded_at: datetime | None
    received_at: datetime
    pdf: bytes | None = None

    def to_json(self) -> dict:
        """Return the metadata as JSON values; the PDF is never included."""
        payload = {name: value for name, value in self.__dict__.items() if name != "pdf"}
        for name in ("signed_at", "upgraded_at", "received_at"):
            if payload[name] is not None:
                payload[name] = payload[name].isoformat()
        return payload


def upgrade_pending(engine: Engine, settings, limit: int = DEFAULT_UPGRADE_LIMIT, now: datetime | None = None) -> UpgradeReport:
    """Upgrade at most ``limit`` pending contracts to B-LTA and return what happened.

    ``settings`` is an :class:`hq.server.HqSettings` with ``tsa_url`` and
    ``trust_roots``. Each contract is tried once per run. Raises
    :class:`ArchiveNotConfigured` when either setting is missing or a root cannot be
    read, and :class:`hq.pdfsig.PdfsigUnavailable` when certutil is missing.
    """
    if not settings.tsa_url:
        raise ArchiveNotConfigured("[hq] needs tsa_url, the timestamp authority for archive timestamps")
    if not settings.trust_roots:
        raise ArchiveNotConfigured("[hq] needs trust_roots: the roots of branch seals and of every TSA")
    try:
        roots = tuple(load_trust_roots(list(settings.trust_roots)))
    except (OSError, ValueError) as error:
        raise ArchiveNotConfigured(f"cannot load a trust root: {error}") from error

    # NOTE: a contract that is done is never timestamped again; renewing its B-LTA before the
    # archive timestamp's TSA certificate expires is not built yet.
    report = UpgradeReport()
    with nss_trust_store(settings.trust_roots) as nss_dir, _sqlite_turn(engine):
        sources = UpgradeSources(settings.tsa_url, roots, nss_dir, settings.tsa_timeout, settings.revocation_timeout)
        tried: set[str] = set()
        while len(tried) < limit:
            contract_no = _upgrade_next(engine, sources, tried, report, now)
            if contract_no is None:
                break
            tried.add(contract_no)

    with engine.connect() as connection:
        report.pending = connection.execute(
            select(func.count()).select_from(contracts).where(contracts.c.upgrade_state == STATE_PENDING)
        ).scalar_one()
    log.info(
        "archive upgrade: %d upgraded, %d failed, %d left for a retry, %d pending in all",
        len(report.upgraded), len(report.failed), len(report.retry), report.pending,
    )
    return report


def _upgrade_next(engine: Engine, sources: UpgradeSources, tried: set[str], report: UpgradeReport, now: datetime | None) -> str | None:
    """Take the oldest pending contract not in ``tried``, upgrade it and write the result; return its number."""
    query = (
        select(contracts.c.contract_no, contracts.c.branch_id, contracts.c.pdf, contracts.c.pdf_sha256)
        .where(contracts.c.upgrade_state == STATE_PENDING)
        .order_by(contracts.c.received_at, contracts.c.contract_no)
        .limit(1)
    )
    if tried:
        query = query.where(contracts.c.contract_no.not_in(tried))

    if engine.dialect.name == "postgresql":
        # NOTE: the row lock and its transaction stay open while the TSA and the responders are asked.
        with engine.begin() as connection:
            row = connection.execute(query.with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            outcome = upgrade_contract(bytes(row.pdf), row.pdf_sha256, sources)
            _record(connection, row, outcome, now or datetime.now(timezone.utc), report)
        return row.contract_no

    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    outcome = upgrade_contract(bytes(row.pdf), row.pdf_sha256, sources)
    with engine.begin() as connection:
        _record(connection, row, outcome, now or datetime.now(timezone.utc), report)
    return row.contract_no


def _record(connection: Connection, row, outcome: UpgradeOutcome, now: datetime, report: UpgradeReport) -> None:
    """Write ``outcome`` for a contract that is still pending, and an alert when it failed."""
    now = now.astimezone(timezone.utc)  # SQLite drops the offset, so every stored time is UTC
    values: dict = {"upgrade_detail": outcome.detail[:MAX_DETAIL_CHARS]}
    if outcome.state == STATE_DONE:
        values.update(
            upgrade_state=STATE_DONE,
            archived_pdf=outcome.archived_pdf,
            archived_pades_level=outcome.pades_level,
            upgraded_at=now,
        )
    elif outcome.state == STATE_FAILED:
        values.update(upgrade_state=STATE_FAILED)
    written = connection.execute(
        update(contracts)
        .where(contracts.c.contract_no == row.contract_no)
        .where(contracts.c.upgrade_state == STATE_PENDING)
        .where(contracts.c.pdf_sha256 == row.pdf_sha256)
        .values(**values)
    )
    if written.rowcount != 1:
        log.warning("contract %s: another process wrote its result first; this run's result is dropped", row.contract_no)
        return

    if outcome.state == STATE_DONE:
        report.upgraded.append(row.contract_no)
        log.info("contract %s of branch %s archived at %s (%s)", row.contract_no, row.branch_id, outcome.pades_level, outcome.detail)
    elif outcome.state == STATE_FAILED:
        report.failed.append(row.contract_no)
        log.error("contract %s of branch %s failed: %s: %s", row.contract_no, row.branch_id, outcome.alert_kind, outcome.detail)
        _raise_alert(connection, outcome.alert_kind, row.branch_id, row.contract_no, outcome.detail, now)
    else:
        report.retry.append(row.contract_no)
        log.warning("contract %s of branch %s stays pending: %s", row.contract_no, row.branch_id, outcome.detail)


def _raise_alert(connection: Connection, kind: str, branch_id: str, contract_no: str, detail: str, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(alerts)
        .values(kind=kind, branch_id=branch_id, subject=contract_no, detail=detail[:MAX_DETAIL_CHARS], created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "subject"])
    )


@contextmanager
def _sqlite_turn(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.archive-lock`` for an SQLite file; do nothing for other databases."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database + ".archive-lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def search(
    engine: Engine,
    branch_id: str | None = None,
    contract_no: str | None = None,
    signed_from: datetime | None = None,
    signed_to: datetime | None = None,
    state: str | None = None,
    limit: int = DEFAULT_SEARCH_LIMIT,
    include_pdf: bool = False,
) -> list[ArchivedContract]:
    """Return the contracts that match every filter given, newest signature first.

    ``signed_from`` is inclusive and ``signed_to`` exclusive; both must carry a UTC
    offset. ``include_pdf`` adds the archived B-LTA file and is allowed only with
    ``contract_no``. Raises ``ValueError`` for an unknown state, a naive time, a limit
    below 1, or ``include_pdf`` without ``contract_no``.
    """
    if state is not None and state not in STATES:
        raise ValueError(f"unknown upgrade state {state!r}; use one of {', '.join(STATES)}")
    if include_pdf and contract_no is None:
        raise ValueError("the archived PDF is returned only for one contract, asked for by its number")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")

    columns = list(_METADATA) + ([contracts.c.archived_pdf] if include_pdf else [])
    query = select(*columns).order_by(contracts.c.signed_at.desc(), contracts.c.contract_no).limit(limit)
    if branch_id is not None:
        query = query.where(contracts.c.branch_id == branch_id)
    if contract_no is not None:
        query = query.where(contracts.c.contract_no == contract_no)
    if state is not None:
        query = query.where(contracts.c.upgrade_state == state)
    if signed_from is not None:
        query = query.where(contracts.c.signed_at >= _bound(engine, signed_from))
    if signed_to is not None:
        query = query.where(contracts.c.signed_at < _bound(engine, signed_to))

    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = []
    for row in rows:
        values = dict(row._mapping)
        pdf = values.pop("archived_pdf", None)
        for name in ("signed_at", "upgraded_at", "received_at"):
            values[name] = _aware(values[name])
        found.append(ArchivedContract(**values, pdf=bytes(pdf) if pdf is not None else None))
    return found


def archived_pdf(engine: Engine, contract_no: str) -> bytes:
    """Return the B-LTA file of ``contract_no``.

    Raises :class:`ContractNotFound` when HQ has no such contract, and ``ValueError``
    naming the state when it has not been upgraded.
    """
    found = search(engine, contract_no=contract_no, include_pdf=True, limit=1)
    if not found:
        raise ContractNotFound(f"no contract {contract_no} in the archive")
    contract = found[0]
    if contract.upgrade_state != STATE_DONE or contract.pdf is None:
        raise ValueError(f"contract {contract_no} is {contract.upgrade_state}, not upgraded: {contract.upgrade_detail}")
    return contract.pdf


def _bound(engine: Engine, moment: datetime) -> datetime:
    """Return ``moment`` as the column stores it: aware on PostgreSQL, naive UTC on SQLite.

    SQLite keeps a timestamp's wall time and drops its offset, so ingest and this module
    write every time in UTC there.
    """
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset")
    if engine.dialect.name != "sqlite":
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(moment: datetime | None) -> datetime | None:
    """Return a time read from SQLite, which is naive UTC, with its offset; aware times pass unchanged."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
