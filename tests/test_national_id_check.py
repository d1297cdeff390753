"""The national ID check: the stand-in service, a real ``hq serve`` process and a demo branch linked to it."""

import json
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from hq.database import connect, migrate
from hq.id_check import HttpCitizenIdentityService, IdCheckDesk
from hq.id_standin import Citizen, StandinService
from hq.ingest import Sender
from sync.outbox import OutboxEvent
from sync.protocol import IdCheckOutcome, IdCheckRequest
from tests.hq_fixtures import BRANCH_ID, KIOSK_ID, HqProcess, free_port, link_branch, write_hq_config

NAME = "王建国"
NUMBER = "110105196108040013"
MASKED = "110105********0013"
CUSTOMER = Citizen(NAME, NUMBER)

# HQ waits this long for the national service; the kiosk waits its default 3 s for HQ.
HQ_WAIT_SECONDS = 1.0


@pytest.fixture
def standin():
    service = StandinService({NUMBER: CUSTOMER}).start()
    yield service
    service.stop()


@pytest.fixture
def hq_with_id_check(tmp_path, hq_pki, standin):
    """HQ on SQLite whose national ID check is the stand-in; not started, so a test can start it late."""
    port = free_port()
    extra = f'id_service_url = "{standin.url}"\nid_service_timeout = {HQ_WAIT_SECONDS}\n'
    config = write_hq_config(tmp_path, hq_pki, f"sqlite:///{tmp_path / 'hq.db'}", port, extra)
    server = HqProcess(config, port, tmp_path / "hq.log")
    yield server
    server.stop()


def _countersign(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "countersign", *argv], capture_output=True, text=True, timeout=timeout)


def _demo(home: Path, faces: Path) -> dict:
    result = _countersign("--home", str(home), "--faces", str(faces), "--json", "demo")
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def _verification_event(home: Path) -> tuple[OutboxEvent, dict[str, bytes]]:
    """Return the branch's unsent verification.recorded event and its attachments."""
    from countersign.config import load_config
    from kiosk.store.key_sources.rotation import open_keyed_store
    from kiosk.store.rentals import RentalStore
    from kiosk.store.sync_store import StoreSyncAdapter

    config = load_config(home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        adapter = StoreSyncAdapter(RentalStore(keyed.database, keyed.biometrics))
        (event,) = [event for event in adapter.pending_events(100) if event.event_type == "verification.recorded"]
        return event, adapter.event_attachments(event)
    finally:
        keyed.database.close()


def _national_check(payload: dict) -> dict:
    (check,) = [check for check in payload["verification"]["checks"] if check["check"] == "national_id"]
    return check


def _hq_rows(tmp_path: Path, query: str) -> list[tuple]:
    with connect(f"sqlite:///{tmp_path / 'hq.db'}").connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def _assert_no_person_at_hq(tmp_path: Path) -> None:
    checks = json.dumps(_hq_rows(tmp_path, "SELECT * FROM id_checks"), ensure_ascii=False, default=str)
    log = (tmp_path / "hq.log").read_text(encoding="utf-8")
    for text, where in ((checks, "id_checks"), (log, "hq.log")):
        assert NUMBER not in text, f"full ID number in {where}"
        assert NAME not in text, f"name in {where}"


def test_online_match_approves(branch_home, faces_dir, hq_pki, hq_with_id_check, tmp_path):
    hq_with_id_check.start()
    link_branch(branch_home, hq_pki, hq_with_id_check.url)

    demo = _demo(branch_home, faces_dir)

    assert demo["decision"] == "approved"
    event, attachments = _verification_event(branch_home)
    payload = event.payload
    check = _national_check(payload)
    assert check["outcome"] == "pass"
    assert check["reason"]["zh"].startswith("公民身份信息核查通过")
    assert payload["verification"]["approved_offline"] is False
    assert "national_id_check" not in attachments
    assert _hq_rows(tmp_path, "SELECT kind, outcome, masked_number, branch_id FROM id_checks") == [("online", "match", MASKED, BRANCH_ID)]
    _assert_no_person_at_hq(tmp_path)


def test_online_mismatch_goes_to_clerk(branch_home, faces_dir, hq_pki, hq_with_id_check, standin, tmp_path):
    standin.roster = {NUMBER: Citizen("王建军", NUMBER)}
    hq_with_id_check.start()
    link_branch(branch_home, hq_pki, hq_with_id_check.url)

    demo = _demo(branch_home, faces_dir)

    assert demo["decision"] == "clerk_review"
    assert demo["contract_no"] is None
    last = demo["stages"][-1]
    assert (last["stage"], last["outcome"]) == ("verification", "review")
    assert last["reason"]["en"].startswith("National ID check failed")
    event, attachments = _verification_event(branch_home)
    payload = event.payload
    assert payload["verification"]["decision"] == "clerk_review"
    assert "national_id_check" not in attachments
    assert _hq_rows(tmp_path, "SELECT outcome FROM id_checks") == [("mismatch",)]
    _assert_no_person_at_hq(tmp_path)


def test_unreachable_hq_recheck_raises_alert(branch_home, faces_dir, hq_pki, hq_with_id_check, standin, tmp_path):
    link_branch(branch_home, hq_pki, hq_with_id_check.url)

    demo = _demo(branch_home, faces_dir)

    assert demo["decision"] == "approved"
    event, attachments = _verification_event(branch_home)
    payload = event.payload
    check = _national_check(payload)
    assert (check["outcome"], check["details"]["outcome"]) == ("skipped", "unavailable")
    assert "offline" in check["reason"]["en"]
    assert payload["verification"]["approved_offline"] is True
    assert json.loads(attachments["national_id_check"]) == {"name": NAME, "number": NUMBER}

    hq_with_id_check.start()
    synced = _countersign("--home", str(branch_home), "--json", "sync", "now")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert _hq_rows(tmp_path, "SELECT state, name IS NOT NULL, number IS NOT NULL FROM offline_approvals") == [("pending", 1, 1)]

    standin.roster = {}
    rechecked = _countersign("hq", "recheck", "--config", str(hq_with_id_check.config), "--json")
    assert rechecked.returncode == 0, rechecked.stderr
    assert json.loads(rechecked.stdout) == {"checked": 1, "confirmed": 0, "failed": 1, "pending": 0}
    assert _hq_rows(tmp_path, "SELECT state, name, number, attempts FROM offline_approvals") == [("failed", None, None, 1)]
    ((kind, branch, subject, detail),) = _hq_rows(tmp_path, "SELECT kind, branch_id, subject, detail FROM alerts")
    assert (kind, branch) == ("id_recheck_failed", BRANCH_ID)
    assert subject == event.aggregate_id
    assert event.aggregate_id in detail
    assert "not_found" in detail
    assert MASKED in detail
    assert _hq_rows(tmp_path, "SELECT kind, outcome FROM id_checks") == [("recheck", "not_found")]
    _assert_no_person_at_hq(tmp_path)

    # The rejection reaches the branch as a risk flag, so the person's next rental is refused.
    synced = _countersign("--home", str(branch_home), "--json", "sync", "now")
    assert json.loads(synced.stdout)["pulled"] == 1
    again = _demo(branch_home, faces_dir)
    assert again["decision"] == "refused"
    explained = _countersign("--home", str(branch_home), "--json", "risk", "explain", again["transaction_id"])
    assert [rule["rule"] for rule in json.loads(explained.stdout)["rules"]] == ["national_id_rejected"]


def test_slow_service_offline_then_confirmed(branch_home, faces_dir, hq_pki, hq_with_id_check, standin, tmp_path):
    standin.set_behaviour(delay_seconds=4.0)
    hq_with_id_check.start()
    link_branch(branch_home, hq_pki, hq_with_id_check.url)

    demo = _demo(branch_home, faces_dir)

    assert demo["decision"] == "approved"
    event, attachments = _verification_event(branch_home)
    payload = event.payload
    assert payload["verification"]["approved_offline"] is True
    assert "national_id_check" in attachments
    ((outcome, seconds),) = _hq_rows(tmp_path, "SELECT outcome, seconds FROM id_checks WHERE kind = 'online'")
    assert outcome == "unavailable"
    assert seconds < 4.0, "HQ waited for the slow service beyond its bounded wait"

    synced = _countersign("--home", str(branch_home), "--json", "sync", "now")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    desk = IdCheckDesk(connect(f"sqlite:///{tmp_path / 'hq.db'}"), HttpCitizenIdentityService(standin.url), timeout=HQ_WAIT_SECONDS)
    try:
        still_slow = desk.recheck_pending()
        assert still_slow.to_json() == {"checked": 1, "confirmed": 0, "failed": 0, "pending": 1}
        assert _hq_rows(tmp_path, "SELECT state, attempts, name IS NOT NULL FROM offline_approvals") == [("pending", 1, 1)]

        standin.set_behaviour(delay_seconds=0.0)
        recovered = desk.recheck_pending()
    finally:
        desk.close()
    assert recovered.to_json() == {"checked": 1, "confirmed": 1, "failed": 0, "pending": 0}
    assert _hq_rows(tmp_path, "SELECT state, name, number FROM offline_approvals") == [("confirmed", None, None)]
    assert _hq_rows(tmp_path, "SELECT count(*) FROM alerts") == [(0,)]
    _assert_no_person_at_hq(tmp_path)


def test_report_counts_outcomes_against_target(tmp_path, hq_pki, standin):
    engine = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    migrate(engine)
    desk = IdCheckDesk(engine, HttpCitizenIdentityService(standin.url), timeout=HQ_WAIT_SECONDS)
    sender = Sender(BRANCH_ID, KIOSK_ID)

    def ask(name: str, number: str) -> IdCheckOutcome:
        request = IdCheckRequest(request_id=str(uuid.uuid4()), name=name, number=number)
        return desk.check_online(request, sender).outcome

    try:
        outcomes = [ask(NAME, NUMBER) for _ in range(17)]
        outcomes += [ask("王建军", NUMBER), ask(NAME, "110101199003070013")]
        standin.set_behaviour(available=False)
        outcomes.append(ask(NAME, NUMBER))
    finally:
        desk.close()
    assert outcomes.count(IdCheckOutcome.MATCH) == 17
    assert outcomes[-3:] == [IdCheckOutcome.MISMATCH, IdCheckOutcome.NOT_FOUND, IdCheckOutcome.UNAVAILABLE]

    config = write_hq_config(tmp_path, hq_pki, f"sqlite:///{tmp_path / 'hq.db'}", free_port())
    now = datetime.now(timezone.utc)
    window = ("--from", (now - timedelta(hours=1)).isoformat(), "--to", (now + timedelta(hours=1)).isoformat())
    result = _countersign("hq", "id-check-report", "--config", str(config), *window, "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["online"] == {"match": 17, "mismatch": 1, "not_found": 1, "unavailable": 1}
    assert (report["total"], report["answered"]) == (20, 19)
    assert report["answered_rate"] == pytest.approx(0.95)
    assert report["match_rate"] == pytest.approx(17 / 19)
    assert (report["target"], report["meets_target"]) == (0.95, True)
    assert report["verdict"]["en"] == "The check success rate meets the target."

    empty = desk.success_rate(now - timedelta(days=3), now - timedelta(days=2))
    assert (empty.total, empty.answered_rate, empty.meets_target) == (0, None, None)

    # One more unanswered check takes the rate below 95%: the report then exits 1.
    desk = IdCheckDesk(engine, HttpCitizenIdentityService(standin.url), timeout=HQ_WAIT_SECONDS)
    try:
        assert ask(NAME, NUMBER) is IdCheckOutcome.UNAVAILABLE
    finally:
        desk.close()
    below = _countersign("hq", "id-check-report", "--config", str(config), *window)
    assert below.returncode == 1, below.stderr
    assert "below" in below.stdout.lower() or "低于" in below.stdout


def test_standin_command_roster_and_control(tmp_path):
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps({"citizens": [{"name": NAME, "number": NUMBER, "photo_sha256": "0" * 64}]}), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "countersign", "hq", "id-standin", "--roster", str(roster), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_health(url)
        service = HttpCitizenIdentityService(url)

        assert service.check(NAME, NUMBER, None, 2.0).outcome is IdCheckOutcome.MATCH
        with_photo = service.check(NAME, NUMBER, b"another photo", 2.0)
        assert (with_photo.outcome, with_photo.photo_checked) == (IdCheckOutcome.MISMATCH, True)
        assert service.check(NAME, "110101199003070013", None, 2.0).outcome is IdCheckOutcome.NOT_FOUND

        httpx.put(f"{url}/control", json={"available": False}, trust_env=False).raise_for_status()
        down = service.check(NAME, NUMBER, None, 2.0)
        assert down.outcome is IdCheckOutcome.UNAVAILABLE
        assert "503" in down.detail
        service.close()
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_health(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", trust_env=False, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"the stand-in at {url} did not respond within {timeout} s")



def test_hq_jobs_recheck_on_arrival(branch_home, faces_dir, hq_pki, standin, tmp_path):
    """With run_jobs on, an offline approval is re-checked after it arrives, without a command."""
    import time

    port = free_port()
    extra = f'id_service_url = "{standin.url}"\nid_service_timeout = {HQ_WAIT_SECONDS}\nrun_jobs = true\njob_interval_seconds = 1\n'
    config = write_hq_config(tmp_path, hq_pki, f"sqlite:///{tmp_path / 'hq.db'}", port, extra)
    server = HqProcess(config, port, tmp_path / "hq.log")
    link_branch(branch_home, hq_pki, server.url)
    assert _demo(branch_home, faces_dir)["decision"] == "approved"  # HQ is down: approved offline

    server.start()
    try:
        synced = _countersign("--home", str(branch_home), "--json", "sync", "now")
        assert json.loads(synced.stdout)["uploaded"] == 2  # the verification and the contract
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = _hq_rows(tmp_path, "SELECT state FROM offline_approvals")
            if states == [("confirmed",)]:
                break
            time.sleep(0.5)
        assert states == [("confirmed",)]
    finally:
        server.stop()
    _assert_no_person_at_hq(tmp_path)
