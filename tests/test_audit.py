"""The audit log on a real SQLCipher store: hash chain, append-only triggers, audited reads and the access review."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlcipher3
from argon2 import profiles

from kiosk.identity.verification import VerificationResult, check_document_number
from kiosk.store.access_review import access_review
from kiosk.store.accounts import AccessDenied, AccessSettings, AccountStore, Role
from kiosk.store.audit import append_audit, read_audit_entries, verify_audit_chain
from kiosk.store.database import Database
from kiosk.store.keys import create_key_file
from kiosk.store.personal_data import PersonalDataAccess, PurposeMissing, RecordNotFound
from kiosk.store.rentals import RentalStore
from tests import contract_fixtures as fx

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TEST_SETTINGS = AccessSettings(max_failed_logins=2, pin_hash=profiles.CHEAPEST)


@pytest.fixture
def key(tmp_path):
    return create_key_file(tmp_path / "keys" / "store.key")


@pytest.fixture
def database(tmp_path, key):
    database = Database.open(tmp_path / "store.db", key, create=True)
    yield database
    database.close()


@pytest.fixture
def actors(database):
    accounts = AccountStore(database, TEST_SETTINGS)
    accounts.add_account(None, "it.li", "Li", Role.BRANCH_IT, "204817", NOW)
    it = accounts.authenticate("it.li", "204817", NOW)
    for account_id, role in (("clerk.wang", Role.CLERK), ("aud.qian", Role.AUDITOR)):
        accounts.add_account(it, account_id, account_id, role, "583920", NOW)
    return {
        "it": it,
        "clerk": accounts.authenticate("clerk.wang", "583920", NOW),
        "auditor": accounts.authenticate("aud.qian", "583920", NOW),
        "accounts": accounts,
    }


def _append_some(database, count: int) -> None:
    for number in range(count):
        with database.transaction() as connection:
            append_audit(connection, NOW, "clerk.wang", "clerk", "read_customer_profile", f"customer:{number}", "test")


def _tamper(path, key, *statements) -> None:
    """Run statements on a separate connection with the append-only triggers dropped."""
    connection = sqlcipher3.connect(str(path), isolation_level=None)
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    connection.execute("DROP TRIGGER audit_log_no_update")
    connection.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        connection.execute(statement)
    connection.close()


def test_chain_of_appended_entries_verifies(database):
    _append_some(database, 5)
    report = verify_audit_chain(database.connection)
    assert report.ok
    assert report.entries == 5
    assert report.head_sequence == 5


def test_update_and_delete_are_blocked_by_triggers(database):
    _append_some(database, 2)
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        database.connection.execute("UPDATE audit_log SET action = 'nothing' WHERE sequence = 1")
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        database.connection.execute("DELETE FROM audit_log WHERE sequence = 2")
    assert verify_audit_chain(database.connection).ok


def test_altered_entry_is_found(database, key):
    _append_some(database, 4)
    _tamper(database.path, key, "UPDATE audit_log SET subject = 'customer:99' WHERE sequence = 2")
    problems = verify_audit_chain(database.connection).problems
    assert [p.sequence for p in problems] == [2]
    assert "altered" in problems[0].problem


def test_removed_entry_is_found(database, key):
    _append_some(database, 4)
    _tamper(database.path, key, "DELETE FROM audit_log WHERE sequence = 2")
    problems = verify_audit_chain(database.connection).problems
    assert {p.sequence for p in problems} == {3}
    assert any("missing" in p.problem for p in problems)


def test_reordered_entries_are_found(database, key):
    _append_some(database, 4)
    _tamper(
        database.path,
        key,
        "UPDATE audit_log SET sequence = 99 WHERE sequence = 2",
        "UPDATE audit_log SET sequence = 2 WHERE sequence = 3",
        "UPDATE audit_log SET sequence = 3 WHERE sequence = 99",
    )
    report = verify_audit_chain(database.connection)
    assert not report.ok
    assert {p.sequence for p in report.problems} >= {2, 3}


def test_entries_removed_from_the_end_are_found(database, key):
    _append_some(database, 4)
    _tamper(database.path, key, "DELETE FROM audit_log WHERE sequence >= 3")
    problems = verify_audit_chain(database.connection).problems
    assert len(problems) == 1
    assert "removed from the end" in problems[0].problem


@pytest.mark.parametrize(
    "subject",
    ["110105196108040013", "customer 11010519610804001X", "身份证110105196108040013号", "old card 110105610804001"],
)
def test_full_id_number_is_never_a_subject(database, subject):
    with pytest.raises(ValueError, match="full ID number"), database.transaction() as connection:
        append_audit(connection, NOW, "clerk.wang", "clerk", "read_customer_profile", subject, "test")
    assert read_audit_entries(database.connection) == []


def test_uuid_with_digit_run_is_a_subject(database):
    """A hex UUID may contain 15 or more digits in a row; it is an id, not an ID number."""
    subjects = ["verification:f76d428484744979813e4cbe5a0f2360", "verification:123456789012345678abcdef01234567"]
    with database.transaction() as connection:
        for subject in subjects:
            append_audit(connection, NOW, "clerk.wang", "clerk", "review_approved", subject, "test")
    assert [entry.subject for entry in read_audit_entries(database.connection)] == subjects


def _customer(database) -> int:
    store = RentalStore(database)
    identity = fx.sources().identity
    store.record_verification("v1", "s1", "BJ", identity, None, VerificationResult((check_document_number(identity),)), NOW)
    return database.connection.execute("SELECT customer_id FROM customers").fetchone()[0]


def test_profile_read_is_audited_with_purpose(database, actors):
    customer_id = _customer(database)
    access = PersonalDataAccess(RentalStore(database))
    profile = access.customer_profile(actors["clerk"], customer_id, "customer at the counter asks for a receipt", NOW)
    assert profile.name == "王建国"
    last = read_audit_entries(database.connection)[-1]
    assert (last.actor_id, last.actor_role, last.action) == ("clerk.wang", "clerk", "read_customer_profile")
    assert last.subject == f"customer:{customer_id}"
    assert last.purpose == "customer at the counter asks for a receipt"
    assert "110105196108040013" not in str(last.to_json())


def test_profile_read_needs_role_and_purpose(database, actors):
    customer_id = _customer(database)
    access = PersonalDataAccess(RentalStore(database))
    with pytest.raises(AccessDenied):
        access.customer_profile(actors["it"], customer_id, "curious", NOW)
    with pytest.raises(PurposeMissing):
        access.customer_profile(actors["clerk"], customer_id, " ", NOW)
    with pytest.raises(RecordNotFound):
        access.contract_pdf(actors["clerk"], "BJ-20261205-0404", "dispute", NOW)
    actions = [entry.action for entry in read_audit_entries(database.connection)]
    assert "read_customer_profile" not in actions
    assert actions[-1] == "access_denied"


def test_face_waiver_is_audited_with_the_actor(database, actors):
    _customer(database)
    RentalStore(database).waive_face_verification("v1", "camera failed; clerk compared the card photo", actors["clerk"], NOW)
    last = read_audit_entries(database.connection)[-1]
    assert (last.actor_id, last.actor_role, last.action, last.subject) == ("clerk.wang", "clerk", "face_waived", "verification:v1")
    assert last.purpose == "camera failed; clerk compared the card photo"


def test_face_waiver_refused_to_an_auditor(database, actors):
    _customer(database)
    with pytest.raises(AccessDenied):
        RentalStore(database).waive_face_verification("v1", "no reason to", actors["auditor"], NOW)
    status = database.connection.execute("SELECT face_status FROM verifications WHERE verification_id = 'v1'").fetchone()[0]
    assert status != "waived"


def test_access_review_counts_each_account(database, actors):
    customer_id = _customer(database)
    access = PersonalDataAccess(RentalStore(database))
    access.customer_profile(actors["clerk"], customer_id, "counter", NOW)
    access.customer_profile(actors["clerk"], customer_id, "counter again", NOW)
    RentalStore(database).waive_face_verification("v1", "camera failed", actors["clerk"], NOW)
    accounts = actors["accounts"]
    for _ in range(2):
        with pytest.raises(Exception):
            accounts.authenticate("clerk.wang", "999990", NOW)
    with pytest.raises(Exception):
        accounts.authenticate("ghost", "999990", NOW)

    review = access_review(database, actors["auditor"], NOW - timedelta(hours=1), NOW + timedelta(hours=1), NOW)
    by_id = {account.account_id: account.to_json() for account in review.accounts}
    clerk = by_id["clerk.wang"]
    assert clerk["role"] == "clerk"
    assert clerk["personal_data_reads"] == 2
    assert clerk["personal_data_subjects"] == [f"customer:{customer_id}"]
    assert clerk["overrides"] == 1
    assert clerk["failed_logins"] == 2
    assert clerk["lockouts"] == 1
    assert by_id["aud.qian"]["personal_data_reads"] == 0
    assert review.unknown_account_failures == 1
    assert "clerk.wang" in review.to_text()


def test_access_review_period_excludes_other_days(database, actors):
    _append_some(database, 1)
    review = access_review(database, actors["auditor"], NOW + timedelta(days=1), NOW + timedelta(days=2), NOW)
    assert review.entries == 0


def test_access_review_needs_auditor(database, actors):
    with pytest.raises(AccessDenied):
        access_review(database, actors["clerk"], NOW - timedelta(days=1), NOW, NOW)
