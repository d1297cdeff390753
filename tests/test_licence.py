"""Driving licence classes and validity."""

from datetime import date, datetime

import pytest

from kiosk.checks import Outcome
from kiosk.identity.licence import (
    DrivingLicence,
    check_licence_class,
    check_licence_holder,
    check_licence_validity,
    in_probation,
    parse_licence_classes,
    permitted_classes,
)


def _licence(licence_class="C1", valid_to=date(2029, 3, 15), first_issue=date(2001, 3, 15)) -> DrivingLicence:
    return DrivingLicence("110105196108040013", "王建国", licence_class, first_issue, date(2019, 3, 15), valid_to)


@pytest.mark.parametrize(
    "held, vehicle, outcome",
    [
        ("C1", "C2", Outcome.PASS),
        ("C1", "C1", Outcome.PASS),
        ("C2", "C2", Outcome.PASS),
        ("C2", "C1", Outcome.FAIL),
        ("A1", "C1", Outcome.PASS),
        ("B2", "C2", Outcome.PASS),
        ("C3", "C1", Outcome.FAIL),
        ("C2E", "C1", Outcome.FAIL),
        ("C1E", "E", Outcome.PASS),
    ],
)
def test_class_coverage(held, vehicle, outcome):
    assert check_licence_class(_licence(held), vehicle).outcome is outcome


def test_unknown_class_fails_with_reason():
    check = check_licence_class(_licence("Z9"), "C2")
    assert check.outcome is Outcome.FAIL
    assert "not recognised" in check.reason.en


def test_class_parsing():
    assert parse_licence_classes("c1e") == {"C1", "E"}
    assert "C4" in permitted_classes("C1")
    with pytest.raises(ValueError):
        parse_licence_classes("C7")


def test_validity_through_return_date():
    pickup, return_at = datetime(2029, 3, 10, 10), datetime(2029, 3, 15, 10)
    assert check_licence_validity(_licence(), pickup, return_at).outcome is Outcome.PASS
    late = check_licence_validity(_licence(), pickup, datetime(2029, 3, 16, 10))
    assert late.outcome is Outcome.FAIL
    assert "2029-03-15" in late.reason.en


def test_long_term_licence_is_valid():
    check = check_licence_validity(_licence(valid_to=None), datetime(2040, 1, 1), datetime(2040, 1, 3))
    assert check.outcome is Outcome.PASS


def test_probation_is_twelve_months():
    licence = _licence(first_issue=date(2026, 2, 28))
    assert in_probation(licence, date(2027, 2, 28))
    assert not in_probation(licence, date(2027, 3, 1))


def test_holder_must_match_document():
    assert check_licence_holder(_licence(), "王建国", "110105196108040013").outcome is Outcome.PASS
    assert check_licence_holder(_licence(), "王建国", "11010519491231002X").outcome is Outcome.FAIL
