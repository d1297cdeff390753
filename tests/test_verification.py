"""Document validity margins, the customer's age and the probationary year."""

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.checks import Outcome
from kiosk.identity.documents import DocumentType, Identity
from kiosk.identity.licence import DrivingLicence, ProbationPolicy, check_licence_probation
from kiosk.identity.verification import check_customer_age, check_document_validity

ZONE = ZoneInfo("Asia/Shanghai")
RETURN = datetime(2026, 12, 8, 10, tzinfo=ZONE)
PERSON = Identity(
    document_type=DocumentType.RESIDENT_ID_CARD,
    name="王建国",
    sex="M",
    birth_date=date(1961, 8, 4),
    number="110105196108040013",
    valid_from=date(2016, 5, 20),
    valid_to=date(2027, 1, 8),
)


@pytest.mark.parametrize(
    "document_type, valid_to, outcome",
    [
        (DocumentType.RESIDENT_ID_CARD, date(2027, 1, 8), Outcome.PASS),
        (DocumentType.RESIDENT_ID_CARD, date(2027, 1, 7), Outcome.FAIL),
        (DocumentType.HMT_RESIDENCE_PERMIT, date(2027, 1, 8), Outcome.FAIL),
        (DocumentType.HMT_RESIDENCE_PERMIT, date(2027, 2, 8), Outcome.PASS),
        (DocumentType.FOREIGN_PERMANENT_RESIDENCE_CARD, date(2027, 2, 7), Outcome.FAIL),
        (DocumentType.PASSPORT, date(2027, 2, 8), Outcome.PASS),
        (DocumentType.RESIDENT_ID_CARD, None, Outcome.PASS),
    ],
)
def test_default_margins_by_document_type(document_type, valid_to, outcome):
    identity = replace(PERSON, document_type=document_type, valid_to=valid_to)
    assert check_document_validity(identity, RETURN).outcome is outcome


def test_margin_failure_says_how_long_after_return():
    check = check_document_validity(replace(PERSON, valid_to=date(2027, 1, 1)), RETURN)
    assert "less than 1 month after the return date" in check.reason.en
    assert check.details["needed_until"] == "2027-01-08"


def test_expiry_before_return_is_named():
    check = check_document_validity(replace(PERSON, valid_to=date(2026, 12, 7)), RETURN)
    assert "expires on 2026-12-07, before the return date" in check.reason.en


def test_branch_margin_overrides_default():
    identity = replace(PERSON, valid_to=date(2026, 12, 8))
    assert check_document_validity(identity, RETURN, margin_months=0).outcome is Outcome.PASS
    assert check_document_validity(identity, RETURN, margin_months=3).outcome is Outcome.FAIL


def test_age_uses_the_one_rule():
    pickup = datetime(2026, 5, 20, 9, tzinfo=ZONE)
    on_birthday = replace(PERSON, birth_date=date(2008, 5, 20))
    assert check_customer_age(on_birthday, pickup, 18).outcome is Outcome.FAIL
    day_after = datetime(2026, 5, 21, 9, tzinfo=ZONE)
    assert check_customer_age(on_birthday, day_after, 18).outcome is Outcome.PASS


def test_leap_day_birthday_turns_of_age_on_march_first():
    leap = replace(PERSON, birth_date=date(2008, 2, 29))
    assert check_customer_age(leap, datetime(2026, 2, 28, tzinfo=ZONE), 18).outcome is Outcome.FAIL
    assert check_customer_age(leap, datetime(2026, 3, 1, tzinfo=ZONE), 18).outcome is Outcome.PASS


@pytest.mark.parametrize(
    "policy, outcome",
    [(ProbationPolicy.ALLOW, Outcome.PASS), (ProbationPolicy.REVIEW, Outcome.REVIEW), (ProbationPolicy.REFUSE, Outcome.FAIL)],
)
def test_probationary_licence_follows_branch_policy(policy, outcome):
    new_driver = DrivingLicence("110105196108040013", "王建国", "C1", date(2026, 6, 1), date(2026, 6, 1), date(2032, 6, 1))
    check = check_licence_probation(new_driver, datetime(2026, 12, 5, tzinfo=ZONE), policy)
    assert check.outcome is outcome
    assert check.details["in_probation"] is True


def test_experienced_driver_is_not_flagged():
    driver = DrivingLicence("110105196108040013", "王建国", "C1", date(2001, 3, 15), date(2019, 3, 15), None)
    check = check_licence_probation(driver, datetime(2026, 12, 5, tzinfo=ZONE), ProbationPolicy.REFUSE)
    assert check.outcome is Outcome.PASS
