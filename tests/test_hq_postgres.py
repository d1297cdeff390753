"""HQ on a real PostgreSQL server: ingest and reference rules, migrations, and two ``hq serve`` processes on one database."""

import base64
import hashlib
import json
import multiprocessing
import os
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text

from hq.database import REFERENCE_CURSOR, connect, migrate
from hq.ingest import Sender, ingest_batch
from hq.reference import changes_after, publish
from kiosk.store.database import Database
from kiosk.store.rentals import RentalStore
from kiosk.store.sync_store import StoreSyncAdapter
from sync.agent import STATUS_OK, SyncAgent, SyncLock
from sync.client import HqClient
from sync.outbox import OutboxEvent
from sync.protocol import Event, Outcome, UploadRequest
from sync.tls import client_context
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, HqProcess, free_port, write_hq_config

SENDER = Sender(BRANCH_ID, KIOSK_ID)
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def engine(postgres_database):
    engine = connect(postgres_database)
    migrate(engine)
    yield engine
    engine.dispose()


def _event(event_type="verification.recorded", payload=None, attachments=None, aggregate_id="V-1") -> Event:
    return Event(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        aggregate_id=aggregate_id,
        created_at=NOW,
        payload=payload if payload is not None else {"decision": "approved"},
        attachments=attachments or {},
    )


def _id_check_event(number: int) -> Event:
    """A verification approved offline, which queues a re-check at HQ."""
    request = json.dumps({"name": "张三", "number": f"11010519610804{number:04d}"}).encode()
    return _event(attachments={"national_id_check": base64.b64encode(request).decode()}, aggregate_id=f"V-{number}")


def _upload(engine, *batch: Event, at=NOW):
    return ingest_batch(engine, UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=list(batch)), SENDER, at).results


def _count(engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()


# Ingest and reference rules, as tests/test_sync_core.py checks them on SQLite ---------


def test_repeat_gets_first_result(engine):
    event = _id_check_event(1)
    (first,) = _upload(engine, event)
    (again,) = _upload(engine, event, at=NOW + timedelta(hours=1))

    assert first.outcome is Outcome.ACCEPTED
    assert not first.repeat
    assert again.outcome is Outcome.ACCEPTED
    assert again.repeat
    assert again.received_at == first.received_at
    assert _count(engine, "events") == 1
    assert _count(engine, "offline_approvals") == 1


def test_other_content_is_conflict(engine):
    event = _event()
    _upload(engine, event)
    changed = event.model_copy(update={"payload": {"decision": "refused"}})

    (result,) = _upload(engine, changed)

    assert result.outcome is Outcome.CONFLICT
    assert "other content" in result.detail
    with engine.connect() as connection:
        assert connection.execute(text("SELECT payload FROM events")).scalar() == '{"decision":"approved"}'


def test_repeat_inside_batch_stored_once(engine):
    event = _event()

    results = _upload(engine, event, event)

    assert [result.outcome for result in results] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    assert _count(engine, "events") == 1


def test_contract_pdf_checked_and_archived(engine):
    pdf = b"%PDF-1.7 contract " + os.urandom(2048)
    good = {"contract_no": "BJ-CY01-20261205-0001", "signed_at": NOW.isoformat(), "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    attachments = {"pdf": base64.b64encode(pdf).decode()}
    bad = _event("contract.signed", dict(good, pdf_sha256="0" * 64), attachments, good["contract_no"])
    stored = _event("contract.signed", good, attachments, good["contract_no"])
    second_event_same_contract = _event("contract.signed", dict(good, template="other"), attachments, good["contract_no"])

    rejected, accepted, kept_first = _upload(engine, bad, stored, second_event_same_contract)

    assert rejected.outcome is Outcome.REJECTED
    assert accepted.outcome is Outcome.ACCEPTED
    assert kept_first.outcome is Outcome.ACCEPTED
    with engine.connect() as connection:
        row = connection.execute(text("SELECT contract_no, event_id, pdf, upgrade_state FROM contracts")).one()
    assert row == (good["contract_no"], stored.event_id, pdf, "pending")
    assert _count(engine, "events") == 2


def test_batch_for_other_branch_refused(engine):
    with pytest.raises(PermissionError):
        ingest_batch(engine, UploadRequest(branch_id="SH-PD01", kiosk_id=KIOSK_ID, events=[_event()]), SENDER, NOW)
    assert _count(engine, "events") == 0


def test_pull_pages_keep_newest_state(engine):
    publish(engine, "blacklist", [(f"BL-{n}", {"n": n}) for n in range(7)])
    publish(engine, "blacklist", [("BL-2", None), ("BL-3", {"n": 33})])

    first = changes_after(engine, "blacklist", 0, limit=4)
    second = changes_after(engine, "blacklist", first.cursor, limit=4)
    rest = changes_after(engine, "blacklist", second.cursor, limit=4)

    assert first.more
    assert not second.more
    assert rest.changes == []
    seen = {change.key: change.value for change in first.changes + second.changes}
    assert seen["BL-2"] is None
    assert seen["BL-3"] == {"n": 33}
    assert len(seen) == 7


# Migrations ------------------------------------------------------------------------------


def _schema(engine) -> dict:
    inspector = inspect(engine)
    return {
        table: (
            [(column["name"], str(column["type"]), column["nullable"]) for column in inspector.get_columns(table)],
            sorted((index["name"], tuple(index["column_names"]), index["unique"]) for index in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


def test_migrate_twice_is_noop(postgres_database):
    engine = connect(postgres_database)
    try:
        migrate(engine)
        before = _schema(engine)
        publish(engine, "blacklist", [("BL-1", {"reason": "unpaid damage"})])
        _upload(engine, _event())

        migrate(engine)

        assert _schema(engine) == before
        assert "alembic_version" in before
        assert _count(engine, "events") == 1
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            cursor = connection.execute(text("SELECT value FROM counters WHERE name = :name"), {"name": REFERENCE_CURSOR}).scalar()
        assert cursor == 1
    finally:
        engine.dispose()


def _migrate_when_released(url: str, barrier, results) -> None:
    """Run in a child process: migrate ``url`` once every child is ready, and report the outcome."""
    engine = connect(url)
    barrier.wait(60)
    try:
        migrate(engine)
        results.put("ok")
    except Exception as error:  # reported to the test, which shows it
        results.put(f"{type(error).__name__}: {error}")
    finally:
        engine.dispose()


def test_migrate_at_same_moment_in_two_processes(postgres_database):
    # Two HQ processes that start together on an empty database (a rolling deployment).
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    children = [spawn.Process(target=_migrate_when_released, args=(postgres_database, barrier, results)) for _ in range(2)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(30)

    assert outcomes == ["ok", "ok"]
    engine = connect(postgres_database)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM counters")).scalar() == 1
    finally:
        engine.dispose()


# Two HQ processes on one database ------------------------------------------------------


class RoundRobin:
    """A load balancer in front of several HQ clients: each request goes to the next one."""

    def __init__(self, clients: list[HqClient]) -> None:
        self.clients = clients
        self.uploads = [0] * len(clients)
        self._next = 0

    def _take(self) -> int:
        index = self._next
        self._next = (self._next + 1) % len(self.clients)
        return index

    def upload(self, batch):
        index = self._take()
        self.uploads[index] += 1
        return self.clients[index].upload(batch)

    def pull(self, dataset, after, limit=None):
        return self.clients[self._take()].pull(dataset, after, limit)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


@pytest.fixture
def two_hqs(tmp_path, hq_pki, postgres_database):
    """Two ``hq serve`` processes on one PostgreSQL database, started at the same moment."""
    servers = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        port = free_port()
        servers.append(HqProcess(write_hq_config(folder, hq_pki, postgres_database, port), port, folder / "hq.log"))
    errors = []

    def start(server):
        try:
            server.start(timeout=60)
        except RuntimeError as error:
            errors.append(error)

    starters = [threading.Thread(target=start, args=(server,)) for server in servers]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    try:
        assert errors == []
        yield servers
    finally:
        for server in servers:
            server.stop()


def _kiosk_client(pki, url: str) -> HqClient:
    return HqClient(url, client_context(pki.ca.certificate, pki.kiosk.certificate, pki.kiosk.private_key))


def test_two_hqs_store_each_event_once(tmp_path, hq_pki, two_hqs, postgres_database):
    hq = connect(postgres_database)
    database = Database.open(tmp_path / "branch" / "store.db", os.urandom(32), create=True)
    clients = [_kiosk_client(hq_pki, server.url) for server in two_hqs]
    try:
        store = RentalStore(database)
        adapter = StoreSyncAdapter(store)
        with database.transaction() as connection:
            for number in range(40):
                store._append_event(
                    connection,
                    OutboxEvent("verification.recorded", f"V-{number}", {"decision": "approved", "n": number}, NOW + timedelta(seconds=number)),
                    {"national_id_check": json.dumps({"name": "张三", "number": f"11010519610804{number:04d}"}).encode()},
                )
        publish(hq, "blacklist", [(f"BL-{n}", {"reason": "unpaid damage", "n": n}) for n in range(12)])
        balancer = RoundRobin(clients)
        agent = SyncAgent(
            outbox=adapter,
            sink=adapter,
            connect=lambda: balancer,
            branch_id=BRANCH_ID,
            kiosk_id=KIOSK_ID,
            clock=lambda: datetime.now(timezone.utc),
            lock=SyncLock(tmp_path / "branch" / "sync.lock"),
            datasets=("blacklist",),
            batch_events=5,
        )

        report = agent.run_once()

        assert report.status == STATUS_OK, report.detail
        assert (report.uploaded, report.pending, report.failed, report.pulled) == (40, 0, 0, 12)
        assert balancer.uploads == [4, 4]
        assert len(adapter.reference_items("blacklist")) == 12
        assert _count(hq, "events") == 40
        assert _count(hq, "offline_approvals") == 40

        # A branch that lost the answer and a balancer that sent the repeat elsewhere:
        # the same batch reaches both processes at the same moment.
        batch = UploadRequest(branch_id=BRANCH_ID, kiosk_id=KIOSK_ID, events=[_id_check_event(100 + n) for n in range(60)])
        barrier = threading.Barrier(2)
        responses: list = [None, None]

        def send(index: int) -> None:
            barrier.wait()
            responses[index] = clients[index].upload(batch)

        senders = [threading.Thread(target=send, args=(index,)) for index in range(2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)

        assert None not in responses
        for first, second in zip(responses[0].results, responses[1].results, strict=True):
            assert first.outcome is Outcome.ACCEPTED
            assert second.outcome is Outcome.ACCEPTED
            assert first.event_id == second.event_id
            assert sorted([first.repeat, second.repeat]) == [False, True]
            assert first.received_at == second.received_at
        assert _count(hq, "events") == 100
        assert _count(hq, "offline_approvals") == 100

        again = clients[0].upload(batch)
        assert all(result.repeat for result in again.results)
        assert [result.received_at for result in again.results] == [result.received_at for result in responses[0].results]
        assert _count(hq, "events") == 100
    finally:
        for client in clients:
            client.close()
        database.close()
        hq.dispose()


# Reference cursors under concurrent publishes -------------------------------------------


def test_reader_never_skips_concurrent_publish(engine):
    publishers, rounds, items = 3, 30, 20
    published: set[str] = set()
    finished = threading.Event()
    seen: list[str] = []
    problems: list[str] = []

    def publisher(number: int) -> None:
        for round_number in range(rounds):
            keys = [f"P{number}-{round_number}-{item}" for item in range(items)]
            publish(engine, "blacklist", [(key, {"publisher": number}) for key in keys])
            published.update(keys)

    def reader() -> None:
        cursor = 0
        while True:
            done = finished.is_set()
            page = changes_after(engine, "blacklist", cursor, limit=50)
            cursors = [change.cursor for change in page.changes]
            if cursors != sorted(set(cursors)) or (cursors and cursors[0] <= cursor):
                problems.append(f"page after {cursor} has cursors {cursors}")
            seen.extend(change.key for change in page.changes)
            cursor = page.cursor
            if done and not page.more:
                return

    reading = threading.Thread(target=reader)
    writing = [threading.Thread(target=publisher, args=(number,)) for number in range(publishers)]
    reading.start()
    for thread in writing:
        thread.start()
    for thread in writing:
        thread.join(120)
    finished.set()
    reading.join(120)

    assert problems == []
    assert len(published) == publishers * rounds * items
    assert len(seen) == len(set(seen))
    assert set(seen) == published
