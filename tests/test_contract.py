"""Drafting contracts and the contract check."""

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from kiosk.contracts.check import check_contract
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.formatting import format_money
from kiosk.contracts.pricing import make_quote, rental_days
from kiosk.contracts.template import load_template
from kiosk.errors import TemplateError
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
    assert problem.reason == "clause text was altered"


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
