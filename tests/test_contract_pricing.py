"""The price list's discount model: which discount applies, and its amount to the fen."""

from datetime import timedelta

import pytest

from kiosk.contracts.pricing import PriceList, PriceListInvalid, make_quote
from tests import contract_fixtures as fx

LABEL = {"zh": "优惠", "en": "Discount"}


def _price_list(*discounts: dict) -> PriceList:
    document = {
        "version": "2026-12",
        "currency": "CNY",
        "groups": {
            "compact": {"daily_rate_fen": 23900, "insurance_per_day_fen": 5000, "deposit_fen": 300000},
            "midsize": {"daily_rate_fen": 36900, "insurance_per_day_fen": 6000, "deposit_fen": 500000},
        },
        "discounts": list(discounts),
    }
    return PriceList.from_json(document)


def _discount(discount_id: str = "d", **rule) -> dict:
    return {"id": discount_id, "label": LABEL, **rule}


def _quote(price_list: PriceList, days: int = 3, group: str = "compact", band: str | None = None):
    return make_quote(price_list, group, fx.PICKUP, fx.PICKUP + timedelta(days=days), customer_band=band)


def test_no_discount_without_rules():
    quote = _quote(_price_list())
    assert (quote.discount_fen, quote.discount_id, quote.discount_label) == (0, "", "")
    assert quote.total_fen == 71700 + 15000


def test_percentage_rounds_half_up():
    # 36 900 fen × 0.5 % = 184.5 fen; half up gives 185, where rounding half to even would give 184.
    quote = _quote(_price_list(_discount(basis_points=50)), days=1, group="midsize")
    assert quote.discount_fen == 185
    assert quote.total_fen == 36900 - 185 + 6000


def test_percentage_below_half_rounds_down():
    # 23 900 fen × 0.01 % = 2.39 fen.
    assert _quote(_price_list(_discount(basis_points=1)), days=1).discount_fen == 2


def test_fixed_amount_never_exceeds_rental():
    assert _quote(_price_list(_discount(amount_fen=5000))).discount_fen == 5000
    assert _quote(_price_list(_discount(amount_fen=10_000_000))).discount_fen == 71700


def test_rental_length_bounds_are_inclusive():
    price_list = _price_list(_discount(min_days=3, max_days=6, basis_points=1000))
    assert _quote(price_list, days=2).discount_fen == 0
    assert _quote(price_list, days=3).discount_fen == 7170
    assert _quote(price_list, days=6).discount_fen == 14340
    assert _quote(price_list, days=7).discount_fen == 0


def test_best_discount_applies_alone():
    price_list = _price_list(
        _discount("five-percent", basis_points=500),
        _discount("weekly", min_days=7, basis_points=1500),
        _discount("fixed", amount_fen=5000),
    )
    three_days = _quote(price_list, days=3)
    assert (three_days.discount_id, three_days.discount_fen) == ("fixed", 5000)
    week = _quote(price_list, days=7)
    assert (week.discount_id, week.discount_fen) == ("weekly", 25095)


def test_tie_goes_to_first_declared():
    price_list = _price_list(_discount("first", amount_fen=7170), _discount("second", basis_points=1000))
    assert _quote(price_list).discount_id == "first"


def test_customer_band_discount_needs_the_band():
    price_list = _price_list(_discount("gold", customer_band="gold", basis_points=2000))
    assert _quote(price_list).discount_fen == 0
    assert _quote(price_list, band="silver").discount_fen == 0
    assert _quote(price_list, band="gold").discount_fen == 14340


def test_discounts_survive_json_round_trip():
    price_list = _price_list(
        _discount("weekly", min_days=7, max_days=27, basis_points=1500),
        _discount("gold", customer_band="gold", amount_fen=3000),
    )
    assert PriceList.from_json(price_list.to_json()) == price_list


def test_price_list_without_discounts_key_loads():
    document = _price_list().to_json()
    del document["discounts"]
    assert PriceList.from_json(document).discounts == ()


@pytest.mark.parametrize(
    "rule, message",
    [
        (_discount(basis_points=500, amount_fen=100), "exactly one of basis_points and amount_fen"),
        (_discount(), "exactly one of basis_points and amount_fen"),
        (_discount(basis_points=10_001), "cannot exceed 10000"),
        (_discount(basis_points=7.5), "basis_points must be a whole number"),
        (_discount(amount_fen=0), "amount_fen must be a whole number of at least 1"),
        (_discount(min_days=0, amount_fen=100), "min_days must be a whole number of at least 1"),
        (_discount(min_days=7, max_days=3, amount_fen=100), "max_days must be a whole number of at least 7"),
        (_discount(customer_band="", amount_fen=100), "customer_band must be a non-empty string"),
        (_discount(percent=10), "unknown key 'percent'"),
        ({"id": "d", "label": {"zh": "优惠"}, "amount_fen": 100}, "label needs non-empty 'zh' and 'en'"),
        ({"label": LABEL, "amount_fen": 100}, "id must be a non-empty string"),
        ("10%", "must be an object"),
    ],
)
def test_malformed_discount_is_reported(rule, message):
    with pytest.raises(PriceListInvalid, match=message):
        _price_list(rule)


def test_repeated_discount_id_is_reported():
    with pytest.raises(PriceListInvalid, match="repeats a discount id"):
        _price_list(_discount("same", amount_fen=100), _discount("same", basis_points=100))


def test_price_list_without_groups_is_reported():
    with pytest.raises(PriceListInvalid, match="missing 'groups'") as caught:
        PriceList.from_json({"version": "2026-12", "currency": "CNY"})
    assert "价目表" in caught.value.message.zh
