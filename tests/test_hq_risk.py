"""HQ's risk layer: scores and blacklist changes reaching a real branch, appeals, the rule evaluation and what-if."""

import base64
import contextlib
import hashlib
import json
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from countersign.cli import main
from countersign.config import load_config
from hq.database import connect, migrate
from hq.ingest import Sender, ingest_batch
from hq.reference import changes_after
from hq.risk.blacklist import NewEntry, add_entry, decide_appeal, file_appeal, publish_blacklist_changes
from hq.risk.daily import run_daily
from hq.risk.scores import import_histories
from kiosk.risk.config import load_default_config
from kiosk.risk.decision import decide
from kiosk.risk.rules import RiskInputs
from kiosk.risk.scorecard import RentalHistory, score_history
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from kiosk.store.risk_cache import RiskCache
from sync.protocol import Event, UploadRequest
from tests.hq_fixtures import KIOSK_ID, link_branch

NUMBER = "110105196108040013"
OTHER = "110101199003070013"
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
PERIOD = ["--from", "2026-11-01T00:00:00+00:00", "--to", "2026-12-01T00:00:00+00:00"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """HQ's database on SQLite, and on the test run's PostgreSQL server."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_database")
    return f"sqlite:///{tmp_path / 'hq.db'}"


@pytest.fixture
def engine(database_url):
    engine = connect(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def hq_config(tmp_path, database_url, engine):
    """An hq.toml for the risk commands, on the database of ``engine``; they never use the TLS files."""
    config = tmp_path / "hq-risk.toml"
    config.write_text(
        f'[hq]\ndatabase_url = "{database_url}"\n'
        'certificate = "unused.pem"\nprivate_key = "unused.key"\nclient_ca = "unused-ca.pem"\n',
        encoding="utf-8",
    )
    return config


def _sync(home) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(home), "--json", "sync", "now"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@contextlib.contextmanager
def _branch_cache(home):
    config = load_config(home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        store = RentalStore(keyed.database, keyed.biometrics)
        yield RiskCache(store), store
    finally:
        keyed.database.close()


def _risk(hq_config, capsys, *argv) -> tuple[int, dict]:
    status = main(["--json", "hq", "risk", *argv[:1], "--config", str(hq_config), *argv[1:]])
    return status, json.loads(capsys.readouterr().out)


def test_scores_reach_the_branch_cache(branch_home, hq_pki, hq_sqlite, tmp_path, capsys):
    hq = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    history = RentalHistory(completed_rentals=6, late_returns=1, tenure_months=30)
    histories = tmp_path / "histories.jsonl"
    histories.write_text(
        json.dumps({"document_number": NUMBER, "history": history.to_json()}) + "\n"
        + json.dumps({"document_number": OTHER, "history": {"completed_rentals": 1}}) + "\n",
        encoding="utf-8",
    )
    config_file = tmp_path / "hq.toml"
    assert main(["--json", "hq", "risk", "import-histories", "--config", str(config_file), str(histories)]) == 0
    assert json.loads(capsys.readouterr().out) == {"imported": 2}

    assert main(["--json", "hq", "risk", "daily", "--config", str(config_file)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["scores"]["scored"], first["scores"]["published"]) == (2, 2)
    again = run_daily(hq)
    assert again["scores"]["published"] == 0

    link_branch(branch_home, hq_pki, hq_sqlite.url)
    _sync(branch_home)
    expected = score_history(history, load_default_config())
    with _branch_cache(branch_home) as (cache, store):
        index = store.document_index(NUMBER)
        assert cache.score(index) == expected
        assert cache.completed_rentals(index) == 6
        assert [factor.code for factor in cache.score(index).top_factors] == ["completed_rentals", "tenure", "late_returns"]
        raw = [row[0] for row in store.database.connection.execute("SELECT item_key || value FROM reference_items")]
        assert not any(NUMBER in text for text in raw)

    import_histories(hq, [(NUMBER, replace(history, damage_incidents=1))])
    assert run_daily(hq)["scores"]["published"] == 1
    _sync(branch_home)
    with _branch_cache(branch_home) as (cache, store):
        assert cache.score(store.document_index(NUMBER)).points == expected.points - 40


def test_appeal_that_lifts_removes_the_entry(branch_home, hq_pki, hq_sqlite, tmp_path):
    hq = connect(f"sqlite:///{tmp_path / 'hq.db'}")
    entry = NewEntry(NUMBER, "未付车损费用", "unpaid damage", "BJ-CY01", date(2026, 12, 1), date(2027, 3, 1))
    entry_id = add_entry(hq, entry, "officer-li")
    assert publish_blacklist_changes(hq) == 1
    link_branch(branch_home, hq_pki, hq_sqlite.url)
    _sync(branch_home)
    with _branch_cache(branch_home) as (cache, store):
        (cached,) = cache.blacklist(store.document_index(NUMBER))
        assert (cached.reason.en, cached.expires_on, cached.appeal) == ("unpaid damage", date(2027, 3, 1), "")
        assert cached.applies_on(date(2027, 2, 28))
        assert not cached.applies_on(date(2027, 3, 1))

    appeal_id = file_appeal(hq, entry_id, "the damage was paid on 2026-12-03", "service-wang")
    assert publish_blacklist_changes(hq) == 1
    _sync(branch_home)
    with _branch_cache(branch_home) as (cache, store):
        assert [cached.appeal for cached in cache.blacklist(store.document_index(NUMBER))] == ["filed"]

    decide_appeal(hq, appeal_id, "lifted", "payment confirmed by finance", "officer-li")
    assert publish_blacklist_changes(hq) == 1
    assert publish_blacklist_changes(hq) == 0
    _sync(branch_home)
    with _branch_cache(branch_home) as (cache, store):
        assert cache.blacklist(store.document_index(NUMBER)) == ()
    removal = changes_after(hq, "blacklist", 0).changes
    assert [(change.key, change.value) for change in removal] == [(f"BL-{entry_id}", None)]


def test_blacklist_rejects_a_mistyped_number(engine, hq_config, capsys):
    status = main([
        "hq", "risk", "blacklist-add", "--config", str(hq_config), "--document-number", "110105196108040012",
        "--reason-zh", "欺诈", "--reason-en", "fraud", "--source", "fraud team", "--by", "officer-li",
    ])
    assert status == 2
    error = capsys.readouterr().err
    assert "check character should be 3, not 2" in error
    assert "110105196108040012" not in error


def test_appeal_rules(engine, hq_config, capsys):
    status, added = _risk(
        hq_config, capsys, "blacklist-add", "--document-number", NUMBER, "--reason-zh", "欺诈", "--reason-en", "fraud",
        "--source", "fraud team", "--starts-on", "2026-12-01", "--by", "officer-li",
    )
    assert (status, added["published"]) == (0, 1)
    entry = str(added["entry_id"])
    status, appeal = _risk(hq_config, capsys, "appeal-file", "--entry", entry, "--statement", "not me", "--by", "service-wang")
    assert status == 0
    assert main(["hq", "risk", "appeal-file", "--config", str(hq_config), "--entry", entry, "--statement", "again", "--by", "x"]) == 2
    capsys.readouterr()

    status, decided = _risk(hq_config, capsys, "appeal-decide", "--appeal", str(appeal["appeal_id"]), "--decision", "upheld", "--by", "officer-li")
    assert (status, decided["published"]) == (0, 1)
    status, listing = _risk(hq_config, capsys, "blacklist-list")
    (listed,) = listing["entries"]
    assert listed["masked_number"] == "110105********0013"
    assert (listed["state"], listed["published"]) == ("listed", True)
    assert [(a["decision"], a["decided_by"]) for a in listed["appeals"]] == [("upheld", "officer-li")]
    assert NUMBER not in json.dumps(listing)
    (item,) = changes_after(engine, "blacklist", 0).changes
    assert item.value["appeal"] == "upheld"


def _inputs(branch: str, at: datetime, **changes) -> RiskInputs:
    inputs = RiskInputs(
        now=at, branch_id=branch, masked_number="110105********0013", document_valid_to=date(2030, 1, 1),
        licence_valid_to=date(2030, 1, 1), licence_in_probation=False, pickup_at=at, return_at=at + timedelta(days=3),
        vehicle_price_group="economy", completed_rentals=4,
    )
    return replace(inputs, **changes)


def _record_decisions(engine, cases: list[tuple[str, str, dict]]) -> None:
    """Upload one verification.recorded event per ``(transaction_id, branch, input changes)``, with its decision record."""
    config = load_default_config()
    for number, (transaction_id, branch, changes) in enumerate(cases):
        at = DAY + timedelta(hours=number)
        record = decide(transaction_id, _inputs(branch, at, **changes), None, config)
        event = Event(
            event_id=str(uuid.uuid4()), event_type="verification.recorded", aggregate_id=transaction_id, created_at=at,
            payload={"verification": {"checks": []}, "risk": record.to_json()},
        )
        ingest_batch(engine, UploadRequest(branch_id=branch, kiosk_id=KIOSK_ID, events=[event]), Sender(branch, KIOSK_ID), at)


def _upload_contract(engine, branch: str, contract_no: str, verification_id: str) -> None:
    pdf = b"%PDF-1.7 risk test"
    payload = {
        "contract_no": contract_no, "verification_id": verification_id, "signed_at": DAY.isoformat(),
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }
    event = Event(
        event_id=str(uuid.uuid4()), event_type="contract.signed", aggregate_id=contract_no, created_at=DAY,
        payload=payload, attachments={"pdf": base64.b64encode(pdf).decode()},
    )
    ingest_batch(engine, UploadRequest(branch_id=branch, kiosk_id=KIOSK_ID, events=[event]), Sender(branch, KIOSK_ID), DAY)


def _write_lines(path, items) -> str:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return str(path)


def test_evaluation_counts_labelled_set(engine, hq_config, tmp_path, capsys):
    _record_decisions(
        engine,
        [
            ("V-1", "BJ-CY01", {"phone_identities": 3}),  # damage: confirmed
            ("V-2", "BJ-CY01", {"phone_identities": 4}),  # returned well: false alarm
            ("V-3", "SH-PD01", {"phone_identities": 3}),  # no outcome yet
            ("V-4", "SH-PD01", {"document_valid_to": date(2026, 11, 21)}),  # fraud confirmed
            ("V-5", "BJ-CY01", {}),  # no warning, late return: in no rule's counts
        ],
    )
    legacy = Event(event_id=str(uuid.uuid4()), event_type="verification.recorded", aggregate_id="V-0", created_at=DAY, payload={"verification": {}})
    ingest_batch(engine, UploadRequest(branch_id="BJ-CY01", kiosk_id=KIOSK_ID, events=[legacy]), Sender("BJ-CY01", KIOSK_ID), DAY)
    _upload_contract(engine, "BJ-CY01", "BJ-CY01-20261120-0002", "V-2")
    outcomes = _write_lines(
        tmp_path / "outcomes.jsonl",
        [
            {"transaction_id": "V-1", "outcome": "damage", "reported_at": "2026-11-25T09:00:00+08:00", "source": "rental system"},
            {"contract_no": "BJ-CY01-20261120-0002", "outcome": "returned_ok"},
            {"transaction_id": "V-4", "outcome": "fraud_confirmed", "source": "fraud team"},
            {"transaction_id": "V-5", "outcome": "late_return"},
        ],
    )
    status, imported = _risk(hq_config, capsys, "import-outcomes", outcomes)
    assert (status, imported["added"], imported["unmatched_contracts"]) == (0, 4, [])

    daily = run_daily(engine, today=date(2026, 11, 30))
    assert daily["decisions_collected"] == 5
    assert run_daily(engine, today=date(2026, 11, 30))["decisions_collected"] == 0

    status, report = _risk(hq_config, capsys, "report", *PERIOD)
    assert status == 0
    assert (report["decisions"], report["with_outcome"]) == (5, 4)
    counts = {(row["branch_id"], row["rule"]): (row["fired"], row["confirmed"], row["false_alarms"], row["unknown"]) for row in report["rules"]}
    assert counts == {
        ("*", "shared_phone"): (3, 1, 1, 1),
        ("BJ-CY01", "shared_phone"): (2, 1, 1, 0),
        ("SH-PD01", "shared_phone"): (1, 0, 0, 1),
        ("*", "document_expires_during_rental"): (1, 1, 0, 0),
        ("SH-PD01", "document_expires_during_rental"): (1, 1, 0, 0),
    }
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT fired, confirmed, false_alarms, unknown FROM risk_evaluations WHERE branch_id = '*' AND rule = 'shared_phone'").one()
    assert tuple(stored) == (3, 1, 1, 1)


def test_what_if_one_threshold(engine, hq_config, tmp_path, capsys):
    _record_decisions(
        engine,
        [
            ("W-1", "BJ-CY01", {"phone_identities": 1}),
            ("W-2", "BJ-CY01", {"phone_identities": 2}),  # changes; damage reported
            ("W-3", "SH-PD01", {"phone_identities": 2}),  # changes; returned well
            ("W-4", "SH-PD01", {"phone_identities": 3}),  # in review under both
            ("W-5", "SH-PD01", {"phone_identities": 2, "licence_valid_to": date(2026, 11, 21)}),  # refused under both
        ],
    )
    outcomes = [{"transaction_id": "W-2", "outcome": "damage"}, {"transaction_id": "W-3", "outcome": "returned_ok"}]
    assert _risk(hq_config, capsys, "import-outcomes", _write_lines(tmp_path / "outcomes.jsonl", outcomes))[0] == 0
    run_daily(engine, today=date(2026, 11, 30))
    candidate = load_default_config().to_json()
    candidate["version"] = "2026-12-10.1"
    candidate["rules"]["shared_phone"]["minimum_identities"] = 2
    candidate_file = tmp_path / "candidate.json"
    candidate_file.write_text(json.dumps(candidate), encoding="utf-8")

    status, result = _risk(hq_config, capsys, "what-if", "--candidate", str(candidate_file), *PERIOD)

    assert status == 0
    assert (result["replayed"], result["changed"]) == (5, 2)
    assert result["transitions"] == {"approve->clerk_review": 2}
    assert {example["transaction_id"] for example in result["examples"]} == {"W-2", "W-3"}
    assert result["branches"]["BJ-CY01"]["transitions"] == {"approve->clerk_review": 1}
    assert result["branches"]["SH-PD01"]["transitions"] == {"approve->clerk_review": 1}
    assert result["rules"]["shared_phone"] == {"fired_current": 1, "fired_candidate": 4, "newly_fired": 3, "no_longer_fired": 0}
    assert result["outcomes"]["current"] == {"bad_outcomes": 1, "caught": 0, "let_through": 1, "good_outcomes": 1, "good_stopped": 0}
    assert result["outcomes"]["candidate"] == {"bad_outcomes": 1, "caught": 1, "let_through": 0, "good_outcomes": 1, "good_stopped": 1}
    assert result["outcomes"]["newly_caught"] == 1
    assert changes_after(engine, "risk_config", 0).changes == []

    status, stored = _risk(hq_config, capsys, "store-config", str(candidate_file), "--by", "officer-li")
    assert (status, stored["published"]) == (0, False)
    assert changes_after(engine, "risk_config", 0).changes == []
    status, shipped = _risk(hq_config, capsys, "publish-config", "--version", "2026-12-10.1", "--by", "officer-li")
    assert status == 0
    (item,) = changes_after(engine, "risk_config", 0).changes
    assert (item.key, item.value["version"]) == ("current", "2026-12-10.1")
    status, after = _risk(hq_config, capsys, "what-if", "--candidate", str(candidate_file), *PERIOD)
    assert (after["current_version"], after["changed"]) == ("2026-12-10.1", 0)


def test_report_dates_are_whole_days_in_china(engine, hq_config, capsys):
    from countersign.commands.periods import CHINA_STANDARD_TIME

    status, report = _risk(hq_config, capsys, "report", "--from", "2026-12-05", "--to", "2026-12-05")
    assert status == 0, report
    assert report["from"] == "2026-12-05T00:00:00+08:00"
    assert report["to"] == "2026-12-06T00:00:00+08:00"
    assert CHINA_STANDARD_TIME.utcoffset(None).total_seconds() == 8 * 3600

    assert main(["hq", "risk", "report", "--config", str(hq_config), "--from", "2026-12-31", "--to", "2026-12-01"]) == 2
    assert "is not before" in capsys.readouterr().err
