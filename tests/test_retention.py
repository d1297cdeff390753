"""Retention: the purge rules on a real store, the APScheduler schedule, and the sign-stage clock check."""

import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from countersign.scheduler import RetentionScheduler
from devices.signature_pad import SimulatedSignaturePad
from kiosk.checks import Check, Outcome
from kiosk.errors import ConfigError
from kiosk.identity.verification import VerificationResult
from kiosk.messages import Message
from kiosk.session import Stage
from kiosk.store.clock_check import ClockImplausible, check_clock, latest_recorded_at
from kiosk.store.retention import RetentionPolicy, purge, purge_store
from kiosk.store.rentals import RentalStore

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
REVIEW = VerificationResult((Check("id_consent", Outcome.REVIEW, Message("转人工。", "Referred to staff.")),))


@pytest.fixture
def runtime(branch_home, face_model):
    runtime = BranchRuntime(load_config(branch_home), face_model=face_model).start()
    seed_demo_reservation(runtime.services.store, runtime.clock())
    # The purge at start runs on the scheduler's thread; let it finish before a test writes old rows.
    _wait_for_runs(runtime.retention, 1)
    yield runtime
    runtime.stop()


def _count(database, table: str) -> int:
    return database.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_purge_deletes_old_unsigned_sessions(runtime):
    store: RentalStore = runtime.services.store
    database = store.database
    store.record_verification("old", "s1", "BJ", None, None, REVIEW, NOW - timedelta(days=31))
    store.record_verification("new", "s2", "BJ", None, None, REVIEW, NOW - timedelta(days=29))
    database.connection.execute("UPDATE outbox SET sent_at = ?", ((NOW - timedelta(days=40)).isoformat(),))
    store.record_verification("unsent", "s3", "BJ", None, None, REVIEW, NOW - timedelta(days=60))

    report = purge(database, RetentionPolicy(unsigned_session_days=30, sent_event_days=30), NOW)

    remaining = {row[0] for row in database.connection.execute("SELECT verification_id FROM verifications")}
    assert remaining == {"new"}
    assert report.deleted["unsigned_sessions"] == 2
    assert report.deleted["sent_events"] == 2
    assert report.failed == {}
    assert _count(database, "outbox") == 1


def test_purge_keeps_signed_contract_data(runtime):
    session = runtime.new_session()
    drive_session(session, SimulatedSignaturePad())
    assert session.stage is Stage.DONE, session.records[-1]
    database = runtime.services.store.database

    report = purge(database, RetentionPolicy(face_template_days=1, unsigned_session_days=1), runtime.clock() + timedelta(days=400))

    assert report.deleted["face_templates"] == 1
    assert report.deleted["unsigned_sessions"] == 0
    assert _count(database, "contracts") == 1
    assert _count(database, "verifications") == 1
    assert _count(database, "customers") == 1


def test_purge_store_on_own_connection(runtime):
    store = runtime.services.store
    store.record_verification("old", "s1", "BJ", None, None, REVIEW, NOW - timedelta(days=100))
    config = runtime.config

    report = purge_store(config.store_path, config.store_key.load().store, config.retention, NOW)

    assert report.failed == {}
    assert report.deleted["unsigned_sessions"] == 1
    assert _count(store.database, "verifications") == 0


def test_retention_policy_rejects_zero():
    with pytest.raises(ValueError, match="face_template_days"):
        RetentionPolicy(face_template_days=0)


def test_retention_config_read(branch_home):
    config_file = branch_home / "branch.toml"
    config_file.write_text(config_file.read_text() + "\n[retention]\nface_template_days = 90\npurge_interval_minutes = 15\n")
    config = load_config(branch_home)
    assert config.retention.face_template_days == 90
    assert config.retention.unsigned_session_days == 30
    assert config.purge_interval_minutes == 15


def test_retention_config_rejects_unknown_key(branch_home):
    config_file = branch_home / "branch.toml"
    config_file.write_text(config_file.read_text() + "\n[retention]\nlive_photo_days = 1\n")
    with pytest.raises(ConfigError, match="retention.live_photo_days"):
        load_config(branch_home)


class _Clock:
    """A wall clock the test moves; the scheduler reads it as it reads the branch clock."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def _wait_for_runs(scheduler: RetentionScheduler, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(scheduler.runs) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_scheduler_catches_up_after_clock_jump():
    calls: list[datetime] = []
    clock = _Clock()

    def run_purge(now):
        calls.append(now)
        return None

    scheduler = RetentionScheduler(run_purge, clock, interval_seconds=3600, tick_seconds=0.05).start()
    try:
        _wait_for_runs(scheduler, 1)
        time.sleep(0.3)
        assert [run.reason for run in scheduler.runs] == ["start"]

        clock.offset = timedelta(hours=6)
        _wait_for_runs(scheduler, 2)
        time.sleep(0.3)
    finally:
        scheduler.stop()

    assert [run.reason for run in scheduler.runs] == ["start", "clock_jump"]
    assert calls[1] - calls[0] >= timedelta(hours=6)


def test_scheduler_runs_each_interval_and_survives_failure():
    attempts = []

    def run_purge(now):
        attempts.append(now)
        if len(attempts) == 1:
            raise OSError("store busy")
        return None

    scheduler = RetentionScheduler(run_purge, lambda: datetime.now(UTC), interval_seconds=0.2, tick_seconds=0.05).start()
    try:
        _wait_for_runs(scheduler, 3)
    finally:
        scheduler.stop()

    runs = list(scheduler.runs)
    assert runs[0].reason == "start"
    assert runs[0].report is None
    assert all(run.reason == "interval" for run in runs[1:3])


def test_runtime_purges_at_start(runtime):
    _wait_for_runs(runtime.retention, 1)
    (run,) = runtime.retention.runs
    assert run.reason == "start"
    assert run.report.failed == {}


def test_clock_before_release_implausible(runtime):
    with pytest.raises(ClockImplausible, match="earliest date"):
        check_clock(runtime.services.store.database, datetime(2020, 1, 1, tzinfo=UTC))


def test_clock_behind_store_implausible(runtime):
    store = runtime.services.store
    store.record_verification("v", "s", "BJ", None, None, REVIEW, NOW)
    assert abs(latest_recorded_at(store.database) - NOW) < timedelta(milliseconds=1)
    check_clock(store.database, NOW - timedelta(minutes=1))
    with pytest.raises(ClockImplausible, match="newest stored record"):
        check_clock(store.database, NOW - timedelta(hours=1))


def test_sign_refused_while_clock_implausible(runtime):
    session = runtime.new_session()
    steps = {
        Stage.WELCOME: session.start,
        Stage.CONSENT: lambda: session.give_consent(True, True),
        Stage.DOCUMENT: session.read_document,
        Stage.LICENCE: session.check_licence,
        Stage.FACE: session.capture_face,
        Stage.VERIFICATION: session.verify,
        Stage.CONTRACT: lambda: session.prepare_contract() if session.draft is None else session.acknowledge(session.clauses_to_acknowledge),
    }
    while session.stage is not Stage.SIGN:
        record = steps[session.stage]()
        assert record.outcome is Outcome.PASS, record
    real_clock = runtime.services.clock
    runtime.services.clock = lambda: real_clock() - timedelta(days=1)

    record = session.sign(SimulatedSignaturePad().capture())

    assert session.stage is Stage.CLERK_REVIEW
    assert "clock is wrong" in record.reason.en
    assert "时钟异常" in record.reason.zh
    assert _count(runtime.services.store.database, "contracts") == 0


_FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".npy", ".raw", ".avi", ".mp4", ".y4m")


def _image_files(folder) -> set[str]:
    found = set()
    for root, _, names in os.walk(folder):
        found.update(os.path.join(root, name) for name in names if name.lower().endswith(_FRAME_SUFFIXES))
    return found


def test_camera_frames_never_written(runtime, branch_home):
    written: list[str] = []
    watching = threading.Event()

    def audit(event, args):
        if watching.is_set() and event == "open" and isinstance(args[0], str) and args[1] and set(args[1]) & set("wax+"):
            written.append(args[0])

    sys.addaudithook(audit)
    before = _image_files(branch_home)
    watching.set()
    try:
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
    finally:
        watching.clear()

    assert session.stage is Stage.DONE, session.records[-1]
    assert [path for path in written if path.lower().endswith(_FRAME_SUFFIXES)] == []
    assert _image_files(branch_home) == before
