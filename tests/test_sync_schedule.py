"""The sync schedule: backoff with jitter, no two runs at once, recovery when HQ returns, and the clerk's status line."""

import random
import threading
import time
from datetime import datetime, timezone

import pytest

from sync.agent import SyncLock, SyncReport
from sync.schedule import Backoff, NetworkWatch, SyncScheduler, has_default_route
from tests.hq_fixtures import link_branch


def test_backoff_doubles_to_the_cap_with_jitter():
    backoff = Backoff(base_seconds=10, cap_seconds=100)
    rng = random.Random(7)
    for failures, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        delays = [backoff.delay(failures, rng) for _ in range(200)]
        assert max(delays) <= ceiling
        assert min(delays) >= ceiling / 2
        assert max(delays) - min(delays) > ceiling / 10  # jitter spreads the branches out


def test_backoff_needs_a_failure():
    with pytest.raises(ValueError):
        Backoff().delay(0, random.Random())


def test_lock_lets_one_run_at_a_time(tmp_path):
    first, second = SyncLock(tmp_path / "sync.lock"), SyncLock(tmp_path / "sync.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_scheduler_backs_off_then_returns_to_the_interval():
    outcomes = iter(["offline", "offline", "offline", "ok", "ok"])
    runs: list[tuple[float, str]] = []
    done = threading.Event()

    def run_sync() -> SyncReport:
        status = next(outcomes, "ok")
        runs.append((time.monotonic(), status))
        if len(runs) == 5:
            done.set()
        return SyncReport(status=status, finished_at=datetime.now(timezone.utc))

    scheduler = SyncScheduler(run_sync, interval_seconds=0.05, backoff=Backoff(0.2, 0.6), rng=random.Random(1), first_delay_seconds=0).start()
    try:
        assert done.wait(15)
    finally:
        scheduler.stop()
    gaps = [later[0] - earlier[0] for earlier, later in zip(runs, runs[1:])]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.3  # 0.2, 0.4, 0.6 ceilings, halved at worst
    assert gaps[3] < 0.3  # after a success, the short interval again
    assert scheduler.failures == 0
    assert scheduler.last_success is not None


def test_runs_never_overlap():
    active = 0
    most = 0
    guard = threading.Lock()
    count = 0
    done = threading.Event()

    def run_sync() -> SyncReport:
        nonlocal active, most, count
        with guard:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        with guard:
            active -= 1
            count += 1
            if count >= 4:
                done.set()
        return SyncReport(status="ok")

    scheduler = SyncScheduler(run_sync, interval_seconds=0.01, first_delay_seconds=0).start()
    try:
        for _ in range(20):
            scheduler.run_now()
            time.sleep(0.01)
        assert done.wait(10)
    finally:
        scheduler.stop()
    assert most == 1


def test_network_watch_syncs_when_the_route_returns(tmp_path):
    routes = tmp_path / "route"
    header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    routes.write_text(header + "lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n")
    assert not has_default_route(routes)
    returned = threading.Event()
    watch = NetworkWatch(returned.set, every_seconds=0.05, probe=lambda: has_default_route(routes)).start()
    try:
        time.sleep(0.2)
        assert not returned.is_set()
        routes.write_text(header + "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
        assert returned.wait(5)
    finally:
        watch.stop()


def test_kiosk_runtime_syncs_on_its_own(branch_home, faces_dir, face_model, hq_pki, hq_sqlite):
    from countersign.config import load_config
    from countersign.demo_branch import seed_demo_reservation
    from countersign.headless import drive_session
    from countersign.runtime import BranchRuntime
    from devices.signature_pad import SimulatedSignaturePad

    link_branch(branch_home, hq_pki, hq_sqlite.url)
    reports: list[SyncReport] = []
    synced = threading.Event()

    def listen(report: SyncReport) -> None:
        reports.append(report)
        if report.status == "ok" and report.uploaded >= 2:
            synced.set()

    runtime = BranchRuntime(load_config(branch_home), face_model=face_model)
    runtime.sync_listeners.append(listen)
    with runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        runtime.sync.scheduler.run_now()
        assert synced.wait(60), reports
    assert reports[0].status == "idle"  # the state kept in the store, reported at start
    assert reports[-1].pending == 0


@pytest.mark.gui
def test_window_shows_the_last_sync_to_staff(qtbot, branch_home, face_model, hq_pki):
    from countersign.config import load_config
    from countersign.runtime import BranchRuntime
    from kiosk.ui.app import build_window

    link_branch(branch_home, hq_pki, "https://127.0.0.1:9")
    runtime = BranchRuntime(load_config(branch_home), face_model=face_model)
    window = build_window(runtime, windowed=True, prepare_session=None)
    qtbot.addWidget(window)
    label = window.sync_status
    assert not label.isHidden()

    finished = datetime(2026, 12, 5, 14, 7, tzinfo=timezone.utc)
    sender = threading.Thread(target=runtime._sync_reported, args=(SyncReport(status="ok", pending=3, finished_at=finished),))
    sender.start()
    sender.join()
    qtbot.waitUntil(lambda: "14:07" in label.text(), timeout=5000)
    assert label.text() == "总部同步 14:07 · 待发送 3 条"

    runtime._sync_reported(SyncReport(status="offline", pending=5, failed=1))
    qtbot.waitUntil(lambda: "离线" in label.text(), timeout=5000)
    assert label.text() == "总部同步 14:07 · 离线 · 待发送 5 条 · 1 条被拒，请联系 IT"

    window.toggle_language()
    assert label.text() == "HQ sync 14:07 · offline · 5 waiting · 1 rejected, call IT"
