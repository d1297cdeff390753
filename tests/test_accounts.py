"""Staff accounts on a real SQLCipher store: Argon2id PINs, rehashing, lock-out and permissions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import extract_parameters, profiles

from kiosk.store.accounts import (
    PERMISSIONS,
    AccessDenied,
    AccessSettings,
    AccountDisabled,
    AccountLocked,
    AccountStore,
    AuthenticationFailed,
    InvalidAccountInput,
    Permission,
    Role,
)
from kiosk.store.audit import read_audit_entries, verify_audit_chain
from kiosk.store.database import Database
from kiosk.store.keys import create_key_file

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# Cheap Argon2 parameters keep the tests fast; production uses AccessSettings' defaults.
TEST_SETTINGS = AccessSettings(max_failed_logins=3, lockout_minutes=15, pin_hash=profiles.CHEAPEST)


@pytest.fixture
def database(tmp_path):
    key = create_key_file(tmp_path / "keys" / "store.key")
    database = Database.open(tmp_path / "store.db", key, create=True)
    yield database
    database.close()


@pytest.fixture
def accounts(database):
    store = AccountStore(database, TEST_SETTINGS)
    store.add_account(None, "it.li", "Li IT", Role.BRANCH_IT, "204817", NOW)
    it = store.authenticate("it.li", "204817", NOW)
    store.add_account(it, "clerk.wang", "Wang", Role.CLERK, "583920", NOW)
    store.add_account(it, "sup.zhao", "Zhao", Role.SUPERVISOR, "746251", NOW)
    store.add_account(it, "aud.qian", "Qian", Role.AUDITOR, "318642", NOW)
    return store


def test_pin_hash_is_argon2id_never_the_pin(database, accounts):
    (stored,) = database.connection.execute("SELECT pin_hash FROM accounts WHERE account_id = 'clerk.wang'").fetchone()
    assert stored.startswith("$argon2id$")
    assert "583920" not in stored
    assert extract_parameters(stored).memory_cost == profiles.CHEAPEST.memory_cost


def test_default_settings_are_rfc9106_low_memory():
    parameters = AccessSettings().pin_hash
    assert parameters == profiles.RFC_9106_LOW_MEMORY
    assert parameters.memory_cost == 65536
    assert AccessSettings().max_failed_logins == 5
    assert AccessSettings().lockout_minutes == 15


def test_sign_in_rehashes_with_new_parameters(database, accounts):
    stronger = AccessSettings(pin_hash=profiles.RFC_9106_LOW_MEMORY)
    actor = AccountStore(database, stronger).authenticate("clerk.wang", "583920", NOW)
    assert actor.role is Role.CLERK
    (stored,) = database.connection.execute("SELECT pin_hash FROM accounts WHERE account_id = 'clerk.wang'").fetchone()
    assert extract_parameters(stored).memory_cost == 65536
    assert AccountStore(database, TEST_SETTINGS).authenticate("clerk.wang", "583920", NOW).account_id == "clerk.wang"


@pytest.mark.parametrize("pin", ["12345", "123456", "111111", "987654", "12a456", "１２３４５６"])
def test_weak_or_malformed_pin_is_rejected(accounts, pin):
    it = accounts.authenticate("it.li", "204817", NOW)
    with pytest.raises(InvalidAccountInput):
        accounts.add_account(it, "clerk.new", "New", Role.CLERK, pin, NOW)


def test_wrong_pin_and_unknown_account_fail_alike(accounts):
    with pytest.raises(AuthenticationFailed) as wrong:
        accounts.authenticate("clerk.wang", "000001", NOW)
    with pytest.raises(AuthenticationFailed) as unknown:
        accounts.authenticate("nobody", "000001", NOW)
    assert wrong.value.message == unknown.value.message


def test_lockout_after_repeated_failures(database, accounts):
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate("clerk.wang", "999990", NOW)
    with pytest.raises(AccountLocked):
        accounts.authenticate("clerk.wang", "999990", NOW)

    with pytest.raises(AccountLocked):
        accounts.authenticate("clerk.wang", "583920", NOW + timedelta(minutes=14))
    assert accounts.authenticate("clerk.wang", "583920", NOW + timedelta(minutes=16)).account_id == "clerk.wang"

    actions = [entry.action for entry in read_audit_entries(database.connection) if entry.subject == "clerk.wang"]
    assert actions.count("login_failed") == 3
    assert actions.count("account_locked") == 1
    assert actions.count("login_refused") == 1


def test_success_resets_the_failure_count(accounts):
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate("clerk.wang", "999990", NOW)
    accounts.authenticate("clerk.wang", "583920", NOW)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate("clerk.wang", "999990", NOW)
    assert accounts.account("clerk.wang").failed_attempts == 2


def test_supervisor_unlocks_and_it_is_audited(database, accounts):
    for _ in range(3):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            accounts.authenticate("clerk.wang", "999990", NOW)
    supervisor = accounts.authenticate("sup.zhao", "746251", NOW)
    accounts.unlock(supervisor, "clerk.wang", NOW)
    assert accounts.authenticate("clerk.wang", "583920", NOW).account_id == "clerk.wang"
    unlocked = [e for e in read_audit_entries(database.connection) if e.action == "account_unlocked"]
    assert [(e.actor_id, e.subject) for e in unlocked] == [("sup.zhao", "clerk.wang")]


def test_clerk_cannot_unlock_and_denial_is_audited(database, accounts):
    clerk = accounts.authenticate("clerk.wang", "583920", NOW)
    with pytest.raises(AccessDenied):
        accounts.unlock(clerk, "sup.zhao", NOW)
    denied = [e for e in read_audit_entries(database.connection) if e.action == "access_denied"]
    assert denied[-1].actor_id == "clerk.wang"
    assert denied[-1].details == {"permission": "unlock_accounts"}


def test_disabled_account_cannot_sign_in(accounts):
    it = accounts.authenticate("it.li", "204817", NOW)
    accounts.disable(it, "clerk.wang", NOW)
    with pytest.raises(AccountDisabled):
        accounts.authenticate("clerk.wang", "583920", NOW)


def test_last_branch_it_cannot_be_disabled(accounts):
    it = accounts.authenticate("it.li", "204817", NOW)
    with pytest.raises(InvalidAccountInput, match="last enabled branch_it"):
        accounts.disable(it, "it.li", NOW)


def test_bootstrap_only_on_an_empty_store(database, accounts):
    with pytest.raises(AccessDenied):
        accounts.add_account(None, "it.two", "Two", Role.BRANCH_IT, "603918", NOW)


def test_first_account_must_be_branch_it(database):
    store = AccountStore(database, TEST_SETTINGS)
    with pytest.raises(InvalidAccountInput):
        store.add_account(None, "clerk.first", "First", Role.CLERK, "603918", NOW)


def test_duplicate_account_id_is_rejected(accounts):
    it = accounts.authenticate("it.li", "204817", NOW)
    with pytest.raises(InvalidAccountInput, match="exists already"):
        accounts.add_account(it, "clerk.wang", "Again", Role.CLERK, "603918", NOW)


PERMISSION_CASES = [
    (Role.CLERK, Permission.READ_PERSONAL_DATA, True),
    (Role.CLERK, Permission.OVERRIDE_CHECK, True),
    (Role.CLERK, Permission.MANAGE_ACCOUNTS, False),
    (Role.CLERK, Permission.HANDLE_SUBJECT_REQUESTS, False),
    (Role.CLERK, Permission.EXPORT_AUDIT, False),
    (Role.SUPERVISOR, Permission.HANDLE_SUBJECT_REQUESTS, True),
    (Role.SUPERVISOR, Permission.UNLOCK_ACCOUNTS, True),
    (Role.SUPERVISOR, Permission.MANAGE_ACCOUNTS, False),
    (Role.BRANCH_IT, Permission.READ_PERSONAL_DATA, False),
    (Role.BRANCH_IT, Permission.MANAGE_ACCOUNTS, True),
    (Role.BRANCH_IT, Permission.STORE_MAINTENANCE, True),
    (Role.BRANCH_IT, Permission.EXPORT_AUDIT, False),
    (Role.AUDITOR, Permission.EXPORT_AUDIT, True),
    (Role.AUDITOR, Permission.READ_PERSONAL_DATA, False),
    (Role.AUDITOR, Permission.OVERRIDE_CHECK, False),
]


@pytest.mark.parametrize(("role", "permission", "allowed"), PERMISSION_CASES)
def test_permission_table(role, permission, allowed):
    assert (permission in PERMISSIONS[role]) is allowed


def test_account_changes_keep_the_chain_intact(database, accounts):
    report = verify_audit_chain(database.connection)
    assert report.ok, report.problems
    assert report.entries >= 5
