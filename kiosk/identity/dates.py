"""One rule for ages and periods, used by every check.

Periods follow articles 201 and 202 of the Civil Code of the PRC. The first day is not
counted. A period of years or months ends on the corresponding day of its last month,
or on that month's last day when it has no corresponding day (29 February in a common
year). A person is therefore N years old from the day after the Nth anniversary
of their birth, and someone born on 29 February turns N on 1 March in a common year.
"""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """Return the corresponding day ``months`` later, or the month's last day when there is none."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def age_on(birth_date: date, day: date) -> int:
    """Return the completed years of a person born on ``birth_date``, as of ``day``.

    Raises ``ValueError`` when ``day`` is before the birth date.
    """
    if day < birth_date:
        raise ValueError(f"{day.isoformat()} is before the birth date {birth_date.isoformat()}")
    years = day.year - birth_date.year
    # The Nth year is complete at the end of the anniversary; the age counts from the day after.
    while years > 0 and add_years(birth_date, years) + timedelta(days=1) > day:
        years -= 1
    return years
