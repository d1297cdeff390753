"""The branch's risk cache: HQ's pulled items found by keyed hash, and decision records kept and explained."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from countersign.cli import main
from countersign.config import load_config
from kiosk.risk.config import load_default_config
from kiosk.risk.decision import RiskDecision, decide
from kiosk.risk.rules import RiskInputs
from kiosk.risk.scorecard import RentalHistory, score_history
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from kiosk.store.risk_cache import RiskCache
from kiosk.store.sync_store import StoreSyncAdapter
from sync.protocol import ReferenceChange

NUMBER = "110105196108040013"
OTHER = "110101199003070013"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def store(branch_home):
    config = load_config(branch_home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    yield RentalStore(keyed.database, keyed.biometrics)
    keyed.database.close()


def _pull(store, dataset, *items):
    changes = [ReferenceChange(key=key, cursor=n + 1, value=value) for n, (key, value) in enumerate(items)]
    StoreSyncAdapter(store).apply_reference_changes(dataset, changes, len(changes))


def test_cached_items_are_found_by_document_only(store):
    score = score_history(RentalHistory(completed_rentals=6, late_returns=1), load_default_config())
    _pull(store, "blacklist", ("BL-1", {"document_number": NUMBER, "reason": {"zh": "欺诈", "en": "fraud"}, "source": "HQ", "starts_on": "2026-01-01"}))
    _pull(store, "credit_scores", ("CS-1", {"document_number": NUMBER, "score": score.to_json(), "history": {"completed_rentals": 6}}))
    _pull(store, "activity", ("AC-1", {"document_number": NUMBER, "visits": [{"branch_id": "SH-PD01", "at": "2026-12-05T08:00:00+08:00"}]}))
    _pull(store, "risk_flags", ("RF-1", {"document_number": NUMBER, "national_id_rejected": ["V-9"]}))
    cache = RiskCache(store)
    index, other = store.document_index(NUMBER), store.document_index(OTHER)

    assert [entry.reason.en for entry in cache.blacklist(index)] == ["fraud"]
    assert cache.blacklist(other) == ()
    assert cache.score(index) == score
    assert cache.score(other) is None
    assert cache.completed_rentals(index) == 6
    assert [visit.branch_id for visit in cache.visits(index)] == ["SH-PD01"]
    assert cache.national_id_rejections(index) == ("V-9",)


def test_risk_config_from_hq_replaces_the_shipped_one(store):
    document = load_default_config().to_json() | {"version": "2027-01-01.1"}
    _pull(store, "risk_config", ("current", document))
    assert RiskCache(store).config().version == "2027-01-01.1"


def test_broken_risk_config_falls_back_to_the_shipped_one(store, caplog):
    _pull(store, "risk_config", ("current", {"version": "broken"}))
    assert RiskCache(store).config().version == load_default_config().version
    assert "cannot be applied" in caplog.text


def test_explain_prints_the_stored_record(store, branch_home, capsys):
    config = load_default_config()
    inputs = RiskInputs(
        now=NOW, branch_id="BJ-CY01", masked_number="110105********0013", document_valid_to=date(2026, 12, 6),
        licence_valid_to=None, licence_in_probation=False, pickup_at=NOW, return_at=NOW + timedelta(days=3),
        vehicle_price_group="economy", completed_rentals=None,
    )
    RiskCache(store).save_decision(decide("V-123", inputs, None, config))
    store.database.close()

    assert main(["--home", str(branch_home), "--json", "risk", "explain", "V-123"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["decision"] == RiskDecision.CLERK_REVIEW.value
    assert [rule["rule"] for rule in record["rules"]] == ["document_expires_during_rental"]
    assert record["config_version"] == config.version
    assert record["overrides"] == []

    assert main(["--home", str(branch_home), "risk", "explain", "V-123"]) == 0
    assert "decision     clerk_review (转人工审核 / clerk review)" in capsys.readouterr().out
    assert main(["--home", str(branch_home), "risk", "explain", "V-404"]) == 2
