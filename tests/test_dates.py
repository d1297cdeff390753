"""The age and period rule shared by every check."""

from datetime import date

import pytest

from kiosk.identity.dates import add_months, age_on


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (date(2008, 5, 20), date(2026, 5, 20), 17),
        (date(2008, 5, 20), date(2026, 5, 21), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 19),
        (date(2008, 2, 29), date(2028, 3, 1), 20),
        (date(1961, 8, 4), date(2026, 12, 4), 65),
        (date(2026, 12, 4), date(2026, 12, 4), 0),
    ],
)
def test_age_counts_from_day_after_anniversary(birth, day, age):
    assert age_on(birth, day) == age


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_on(date(2026, 12, 5), date(2026, 12, 4))


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 8), 1, date(2027, 1, 8)),
        (date(2026, 12, 8), 2, date(2027, 2, 8)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_uses_month_end_when_no_corresponding_day(day, months, expected):
    assert add_months(day, months) == expected
