"""The risk layer's scorecard, rules and decision, on the shipped configuration."""

from datetime import date, datetime, timedelta, timezone

import pytest

from kiosk.risk.config import Action, RiskConfig, RiskConfigError, load_default_config
from kiosk.risk.decision import RiskDecision, decide
from kiosk.risk.rules import STAFF_CHECK, BlacklistEntry, BranchVisit, RiskInputs
from kiosk.risk.scorecard import RentalHistory, score_history
from kiosk.messages import Message

CONFIG = load_default_config()
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def _inputs(**changes) -> RiskInputs:
    values = dict(
        now=NOW,
        branch_id="BJ-CY01",
        masked_number="110105********0013",
        document_valid_to=date(2035, 1, 1),
        licence_valid_to=date(2030, 1, 1),
        licence_in_probation=False,
        pickup_at=NOW,
        return_at=NOW + timedelta(days=3),
        vehicle_price_group="economy",
        completed_rentals=None,
    )
    values.update(changes)
    return RiskInputs(**values)


def _entry(starts: date, expires: date | None) -> BlacklistEntry:
    return BlacklistEntry("BL-1", Message("未付车损费用", "unpaid damage costs"), "HQ risk desk", starts, expires)


def test_good_history_scores_preferred_with_reasons():
    score = score_history(RentalHistory(completed_rentals=25, tenure_months=30), CONFIG)
    assert score.points == 600 + 80 + 40
    assert score.band == "preferred"
    assert [factor.code for factor in score.top_factors] == ["completed_rentals", "tenure"]
    assert score.top_factors[0].reason.zh == "已完成租车 25 次"


def test_bad_history_worst_factor_first():
    score = score_history(RentalHistory(completed_rentals=3, late_returns=2, unpaid_fen=150_000, damage_incidents=1), CONFIG)
    assert score.points == 600 + 20 - 50 - 40 - 150
    assert score.band == "refused"
    assert score.top_factors[0].code == "unpaid_fees"
    assert score.top_factors[0].reason.en == "unpaid fees of CNY 1500.00"


def test_floors_cap_repeated_penalties():
    score = score_history(RentalHistory(late_returns=50), CONFIG)
    assert next(f for f in score.factors if f.code == "late_returns").points == -100


def test_preferred_band_waives_the_deposit():
    record = decide("T", _inputs(), score_history(RentalHistory(completed_rentals=25, tenure_months=30), CONFIG), CONFIG)
    assert record.decision is RiskDecision.APPROVE
    assert record.conditions == ("deposit_waived",)
    assert record.customer_reasons() == [Message("信用良好，免收押金。", "Good credit: the deposit is waived.")]


def test_clean_new_customer_is_approved_on_standard_terms():
    record = decide("T1", _inputs(), None, CONFIG)
    assert record.decision is RiskDecision.APPROVE
    assert record.band == "standard"
    assert record.warnings == ()
    assert record.config_version == CONFIG.version
    assert record.customer_reasons()[0].en.startswith("No rental history")


def test_blacklist_applies_until_its_expiry_date():
    entry = _entry(date(2026, 1, 1), date(2026, 12, 6))
    assert decide("T", _inputs(blacklist=(entry,)), None, CONFIG).decision is RiskDecision.REFUSE
    next_day = _inputs(blacklist=(entry,), now=NOW + timedelta(days=1))
    assert decide("T", next_day, None, CONFIG).decision is RiskDecision.APPROVE


def test_blacklist_not_yet_started_does_not_apply():
    assert decide("T", _inputs(blacklist=(_entry(date(2027, 1, 1), None),)), None, CONFIG).warnings == ()


def test_blacklist_reason_and_appeal_shown():
    record = decide("T", _inputs(blacklist=(_entry(date(2026, 1, 1), None),)), None, CONFIG)
    # Only the refusal: the terms of a band would contradict it.
    (reason,) = record.customer_reasons()
    assert "未付车损费用" in reason.zh
    assert "申诉" in reason.zh
    assert "appeal" in reason.en


def test_fraud_signals_are_hidden_from_the_customer():
    record = decide("T", _inputs(duplicate_faces=("310***********0025",), phone_identities=4), None, CONFIG)
    assert [w.rule for w in record.warnings] == ["duplicate_face", "shared_phone"]
    assert record.decision is RiskDecision.CLERK_REVIEW
    assert "supervisor_approval" in record.conditions
    shown = record.customer_reasons()
    assert shown[0] == STAFF_CHECK
    assert all("310" not in reason.zh for reason in shown)


def test_several_branches_within_the_window():
    visits = (BranchVisit("SH-PD01", NOW - timedelta(hours=2)), BranchVisit("GZ-TH02", NOW - timedelta(days=2)))
    record = decide("T", _inputs(visits=visits), None, CONFIG)
    (warning,) = record.warnings
    assert warning.rule == "several_branches"
    assert warning.details == {"branches": ["SH-PD01"]}


def test_expiry_during_rental_fires_for_document_and_licence():
    record = decide("T", _inputs(document_valid_to=date(2026, 12, 6), licence_valid_to=date(2026, 12, 7)), None, CONFIG)
    assert [w.rule for w in record.warnings] == ["document_expires_during_rental", "licence_expires_during_rental"]
    assert record.decision is RiskDecision.REFUSE


def test_expiry_on_the_return_day_is_allowed():
    record = decide("T", _inputs(document_valid_to=(NOW + timedelta(days=3)).date()), None, CONFIG)
    assert record.warnings == ()


@pytest.mark.parametrize(
    ("probation", "group", "completed", "rules"),
    [
        (True, "premium", 5, ["probation_restricted_vehicle"]),
        (True, "economy", 0, []),
        (False, "luxury", None, ["first_high_value_rental"]),
        (False, "luxury", 2, []),
    ],
)
def test_vehicle_rules(probation, group, completed, rules):
    record = decide("T", _inputs(licence_in_probation=probation, vehicle_price_group=group, completed_rentals=completed), None, CONFIG)
    assert [w.rule for w in record.warnings] == rules


def test_higher_deposit_band_approves_with_conditions():
    score = score_history(RentalHistory(completed_rentals=2, late_returns=3), CONFIG)
    assert score.band == "higher_deposit"
    record = decide("T", _inputs(), score, CONFIG)
    assert record.decision is RiskDecision.APPROVE_WITH_CONDITIONS
    assert record.conditions == ("higher_deposit",)


def test_record_json_has_the_tool_keys():
    record = decide("T9", _inputs(national_id_rejections=("V-7",)), None, CONFIG).to_json()
    assert {"decision", "rules", "score", "band", "config_version", "overrides"} <= set(record)
    assert record["rules"][0]["rule"] == "national_id_rejected"
    assert record["rules"][0]["action"] == Action.REFUSE.value


def test_config_rejects_bands_out_of_order():
    document = CONFIG.to_json()
    document["bands"][0], document["bands"][1] = document["bands"][1], document["bands"][0]
    with pytest.raises(RiskConfigError, match="ordered"):
        RiskConfig.from_json(document)


def test_config_round_trips():
    assert RiskConfig.from_json(CONFIG.to_json()) == CONFIG


def test_inputs_round_trip_for_replay_at_hq():
    inputs = _inputs(
        blacklist=(_entry(date(2026, 1, 1), date(2027, 1, 1)),),
        visits=(BranchVisit("SH-PD01", NOW - timedelta(hours=1)),),
        duplicate_faces=("310***********0025",),
        national_id_rejections=("V-1",),
    )
    record = decide("T", inputs, None, CONFIG).to_json()
    replayed = RiskInputs.from_json(record["inputs"])
    assert replayed == inputs
    assert decide("T", replayed, None, CONFIG).to_json()["rules"] == record["rules"]
