"""Drafting contracts and the contract check."""

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from countersign.demo_branch import demo_data
from kiosk.checks import Outcome
from kiosk.contracts.check import check_contract
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.formatting import format_money
from kiosk.contracts.pricing import PriceList, make_quote, rental_days
from kiosk.contracts.template import load_template
from kiosk.errors import TemplateError
from kiosk.identity.documents import DocumentType
from tests import contract_fixtures as fx


def _problems(draft, sources=None):
    sources = sources or fx.sources()
    return check_contract(draft, fx.template(), sources, fx.price_list()).problems


def test_draft_from_sources_passes_check():
    draft = draft_contract(fx.template(), fx.sources())
    assert _problems(draft) == ()
    assert draft.values["lessee_name"] == "王建国"
    assert draft.values["total_amount"] == (23900 + 5000) * 3


def test_changed_field_is_named_with_both_values():
    draft = draft_contract(fx.template(), fx.sources())
    tampered = replace(draft, values={**draft.values, "vehicle_plate": "京A·X9999"})
    (problem,) = _problems(tampered)
    assert problem.field == "vehicle_plate"
    assert problem.expected == "京A·D0001"
    assert problem.found == "京A·X9999"


def test_blank_required_field_is_named():
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, values={**draft.values, "lessee_phone": "  "}))
    assert problem.field == "lessee_phone"
    assert problem.found == "blank"


def test_missing_field_is_named():
    draft = draft_contract(fx.template(), fx.sources())
    values = dict(draft.values)
    del values["deposit"]
    (problem,) = _problems(replace(draft, values=values))
    assert problem.field == "deposit"


def test_wrong_quote_in_sources_is_caught_to_the_fen():
    sources = fx.sources()
    wrong = replace(sources, quote=replace(sources.quote, rental_fen=sources.quote.rental_fen - 1))
    draft = draft_contract(fx.template(), wrong)
    (problem,) = _problems(draft, wrong)
    assert problem.field == "rental_amount"
    assert problem.expected == "¥717.00"
    assert problem.found == "¥716.99"


def test_amount_of_wrong_type_is_named():
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, values={**draft.values, "total_amount": 867.0}))
    assert problem.field == "total_amount"
    assert "type" in problem.reason


def test_altered_clause_is_caught():
    template = fx.template()
    draft = draft_contract(template, fx.sources())
    clause = draft.clauses[1]
    altered = replace(clause, text=replace(clause.text, zh=clause.text.zh.replace("30 日", "90 日")))
    (problem,) = _problems(replace(draft, clauses=(draft.clauses[0], altered, *draft.clauses[2:])))
    assert problem.field == "clause deposit"
    assert problem.reason == "clause text (zh) was altered"
    assert "30 日" in problem.expected
    assert "90 日" in problem.found


def test_missing_clause_is_caught():
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, clauses=draft.clauses[:-1]))
    assert problem.field == "clause disputes"


def test_draft_of_other_template_version_is_caught():
    draft = draft_contract(fx.template(), fx.sources())
    problems = _problems(replace(draft, template_sha256="0" * 64))
    assert [p.field for p in problems] == ["template"]


def test_rental_days_with_grace_hour():
    pickup = fx.PICKUP
    assert rental_days(pickup, pickup + timedelta(days=3, minutes=59)) == 3
    assert rental_days(pickup, pickup + timedelta(days=3, hours=1, minutes=1)) == 4
    assert rental_days(pickup, pickup + timedelta(hours=2)) == 1
    with pytest.raises(ValueError):
        rental_days(pickup, pickup)


def test_quote_amounts():
    quote = make_quote(fx.price_list(), "compact", fx.PICKUP, fx.RETURN)
    assert (quote.days, quote.rental_fen, quote.insurance_fen, quote.total_fen, quote.deposit_fen) == (
        3,
        71700,
        15000,
        86700,
        300000,
    )


def test_money_format():
    assert format_money(86700) == "¥867.00"
    assert format_money(123456789) == "¥1,234,567.89"
    assert format_money(-5) == "-¥0.05"


def test_template_with_unknown_source_is_rejected(tmp_path):
    folder = tmp_path / "rental-agreement" / "v1"
    folder.mkdir(parents=True)
    document = json.loads((fx.CONTRACTS_DIR / "rental-agreement" / "v1" / "template.json").read_text())
    document["fields"][0]["source"] = "customer.secret"
    (folder / "template.json").write_text(json.dumps(document))
    with pytest.raises(TemplateError, match="customer.secret"):
        load_template(tmp_path, "rental-agreement", "1")


def test_missing_template_is_reported():
    with pytest.raises(TemplateError, match="not found"):
        load_template(fx.CONTRACTS_DIR, "rental-agreement", "99")


def test_fields_json_uses_iso_dates():
    draft = draft_contract(fx.template(), fx.sources())
    assert draft.fields_json()["pickup_at"] == "2026-12-05T10:00:00+08:00"
    assert isinstance(datetime.fromisoformat(draft.fields_json()["return_at"]), datetime)


# The complete contract check: sources, dates, amounts, discounts, clauses --------------

DISCOUNTED = PriceList.from_json(
    {
        **demo_data()["price_list"],
        "discounts": [
            {"id": "three-days", "label": {"zh": "连租三天九折", "en": "10% off three days or more"}, "min_days": 3, "basis_points": 1000}
        ],
    }
)


def _with_licence(sources, **changes):
    licence = replace(sources.licence, **changes)
    return replace(sources, licence=licence, reservation=replace(sources.reservation, licence=licence))


def _with_identity(sources, **changes):
    return replace(sources, identity=replace(sources.identity, **changes))


def _check(draft, sources, price_list=None, **options):
    return check_contract(draft, fx.template(), sources, price_list or fx.price_list(), **options)


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("lessee_name", "王建", "王建国"),  # identity
        ("licence_class", "C2", "C1"),  # licence
        ("lessee_phone", "13900000000", "13800000000"),  # reservation
        ("vehicle_model", "大众帕萨特", "丰田卡罗拉 1.2T 自动挡"),  # vehicle
        ("deposit", 200000, "¥3,000.00"),  # price list
        ("branch_address", "上海市", "北京市朝阳区朝阳门外大街 1 号（演示地址）"),  # branch
        ("contract_no", "BJ-CY01-20261205-0002", "BJ-CY01-20261205-0001"),  # contract number
    ],
)
def test_field_differing_from_source_is_named(field, value, expected):
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, values={**draft.values, field: value}))
    assert problem.field == field
    assert problem.expected == expected
    assert problem.reason.startswith("differs from ")


def test_unapproved_template_fails_check():
    unapproved = replace(fx.template(), approval=None)
    draft = draft_contract(unapproved, fx.sources())
    (problem,) = check_contract(draft, unapproved, fx.sources(), fx.price_list()).problems
    assert problem.field == "template"
    assert problem.found == "not approved"


def test_days_recomputed_from_times():
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, values={**draft.values, "rental_days": 4}))
    assert (problem.field, problem.expected, problem.found) == ("rental_days", "3", "4")


def test_price_list_of_other_version_is_named():
    other = replace(fx.price_list(), version="2027-01")
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _check(draft, fx.sources(), other).problems
    assert (problem.field, problem.expected, problem.found) == ("price_list", "2026-12", "2027-01")


def test_discount_is_a_contract_field_and_checked():
    sources = fx.sources(price_list_override=DISCOUNTED)
    draft = draft_contract(fx.template(), sources)
    assert draft.values["discount_amount"] == 7170
    assert draft.values["discount_name"] == "连租三天九折 / 10% off three days or more"
    assert draft.values["total_amount"] == 71700 - 7170 + 15000
    assert _check(draft, sources, DISCOUNTED).passed


def test_altered_discount_is_caught_to_the_fen():
    sources = fx.sources(price_list_override=DISCOUNTED)
    draft = draft_contract(fx.template(), sources)
    tampered = replace(draft, values={**draft.values, "discount_amount": 7171})
    (problem,) = _check(tampered, sources, DISCOUNTED).problems
    assert (problem.field, problem.expected, problem.found) == ("discount_amount", "¥71.70", "¥71.71")


def test_discount_missing_from_price_list_is_caught():
    sources = fx.sources(price_list_override=DISCOUNTED)
    draft = draft_contract(fx.template(), sources)
    problems = _check(draft, sources, fx.price_list()).problems
    assert {(p.field, p.expected, p.found) for p in problems} == {
        ("discount_name", "", "连租三天九折 / 10% off three days or more"),
        ("discount_amount", "¥0.00", "¥71.70"),
        ("total_amount", "¥867.00", "¥795.30"),
    }


def test_return_before_pickup_is_named():
    sources = fx.sources()
    early = replace(sources, reservation=replace(sources.reservation, return_at=fx.PICKUP - timedelta(hours=1)))
    draft = draft_contract(fx.template(), early)
    problems = _check(draft, early).problems
    order = next(p for p in problems if p.reason == "return is not after pick-up")
    assert order.field == "return_at"
    assert order.expected == "after 2026-12-05 10:00"
    assert order.found == "2026-12-05 09:00"
    assert "quote" in [p.field for p in problems]


def test_licence_expiring_before_return_is_named():
    sources = _with_licence(fx.sources(), valid_to=date(2026, 12, 7))
    (problem,) = _check(draft_contract(fx.template(), sources), sources).problems
    assert problem.field == "licence.valid_to"
    assert problem.expected == "2026-12-08 or later (the return date)"
    assert problem.found == "2026-12-07"


def test_licence_margin_is_a_parameter():
    sources = _with_licence(fx.sources(), valid_to=date(2027, 1, 1))
    draft = draft_contract(fx.template(), sources)
    assert _check(draft, sources).passed
    (problem,) = _check(draft, sources, licence_margin_months=1).problems
    assert problem.expected == "2027-01-08 or later (return date 2026-12-08 + 1 month(s))"


def test_licence_not_yet_valid_at_pickup_is_named():
    sources = _with_licence(fx.sources(), valid_from=date(2026, 12, 6))
    (problem,) = _check(draft_contract(fx.template(), sources), sources).problems
    assert (problem.field, problem.expected, problem.found) == (
        "licence.valid_from",
        "2026-12-05 or earlier (the pick-up date)",
        "2026-12-06",
    )


def test_identity_validity_uses_default_margin():
    sources = _with_identity(fx.sources(), valid_to=date(2026, 12, 31))
    (problem,) = _check(draft_contract(fx.template(), sources), sources).problems
    assert problem.field == "identity.valid_to"
    assert problem.expected == "2027-01-08 or later (return date 2026-12-08 + 1 month(s))"
    assert problem.found == "2026-12-31"


def test_identity_validity_uses_given_margin():
    sources = _with_identity(fx.sources(), valid_to=date(2026, 12, 31))
    draft = draft_contract(fx.template(), sources)
    assert _check(draft, sources, validity_margin_months={DocumentType.RESIDENT_ID_CARD: 0}).passed
    (problem,) = _check(draft, sources, validity_margin_months={DocumentType.RESIDENT_ID_CARD: 2}).problems
    assert problem.expected == "2027-02-08 or later (return date 2026-12-08 + 2 month(s))"


def test_identity_not_yet_valid_is_named():
    sources = _with_identity(fx.sources(), valid_from=date(2026, 12, 6))
    (problem,) = _check(draft_contract(fx.template(), sources), sources).problems
    assert problem.field == "identity.valid_from"


def test_reservation_of_another_person_is_named():
    sources = fx.sources()
    other = replace(sources, reservation=replace(sources.reservation, document_number="11010519491231002X"))
    (problem,) = _check(draft_contract(fx.template(), other), other).problems
    assert (problem.field, problem.expected, problem.found) == (
        "reservation.document_number",
        "110105196108040013",
        "11010519491231002X",
    )


def test_licence_of_another_holder_is_named():
    sources = _with_licence(fx.sources(), name="王建军")
    problems = _check(draft_contract(fx.template(), sources), sources).problems
    assert [(p.field, p.expected, p.found) for p in problems] == [("licence.name", "王建国", "王建军")]


def test_clause_title_in_english_altered_is_named():
    draft = draft_contract(fx.template(), fx.sources())
    clause = draft.clauses[0]
    altered = replace(clause, title=replace(clause.title, en="Use"))
    (problem,) = _problems(replace(draft, clauses=(altered, *draft.clauses[1:])))
    assert (problem.field, problem.expected, problem.found) == ("clause vehicle_use", "Use of the vehicle", "Use")
    assert problem.reason == "clause title (en) was altered"


def test_acknowledgement_flag_change_is_caught():
    draft = draft_contract(fx.template(), fx.sources())
    flipped = replace(draft.clauses[1], must_acknowledge=False)
    (problem,) = _problems(replace(draft, clauses=(draft.clauses[0], flipped, *draft.clauses[2:])))
    assert (problem.field, problem.expected, problem.found) == ("clause deposit", "true", "false")


def test_clause_order_change_is_caught():
    draft = draft_contract(fx.template(), fx.sources())
    (problem,) = _problems(replace(draft, clauses=(draft.clauses[1], draft.clauses[0], *draft.clauses[2:])))
    assert problem.field == "clauses"
    assert problem.reason == "clauses are out of order"


def test_extra_clause_is_caught():
    draft = draft_contract(fx.template(), fx.sources())
    extra = replace(draft.clauses[0], clause_id="waiver")
    (problem,) = _problems(replace(draft, clauses=(*draft.clauses, extra)))
    assert (problem.field, problem.reason) == ("clause waiver", "clause is not in the template")


def test_optional_blank_field_passes_but_required_does_not():
    draft = draft_contract(fx.template(), fx.sources())
    assert draft.values["discount_name"] == ""
    assert _problems(draft) == ()
    (problem,) = _problems(replace(draft, values={**draft.values, "discount_amount": None}))
    assert (problem.field, problem.found) == ("discount_amount", "blank")


def test_log_description_has_no_values():
    draft = draft_contract(fx.template(), fx.sources())
    result = _check(replace(draft, values={**draft.values, "lessee_id_number": "11010519491231002X"}), fx.sources())
    (problem,) = result.problems
    assert problem.found == "11010519491231002X"
    assert "11010519491231002X" not in result.describe_for_log()
    assert "110105196108040013" not in result.describe_for_log()
    assert result.describe_for_log() == "lessee_id_number: differs from identity.number"


def test_failed_check_names_field_for_customer():
    draft = draft_contract(fx.template(), fx.sources())
    check = _check(replace(draft, values={**draft.values, "deposit": 1}), fx.sources()).to_check()
    assert check.outcome is Outcome.REVIEW
    assert "租车押金（预授权）" in check.reason.zh
    assert "Deposit (pre-authorised)" in check.reason.en
