"""Staff accounts: roles and what each may do, PINs hashed with Argon2id, and lock-out.

A person signs in with an account id and a PIN of 6 or more digits and gets an
:class:`Actor`, which store operations take to check permissions and to name the
person in the audit log. After ``max_failed_logins`` wrong PINs in a row the account
is locked for ``lockout_minutes``; a supervisor or branch IT may unlock it earlier.
Account changes, sign-ins, failures and lock-outs are written to the audit log.
"""

import enum
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.errors import CounterSignError
from kiosk.messages import Message
from kiosk.store.audit import BOOTSTRAP_ACTOR, UNKNOWN_ACCOUNT_ACTOR, append_audit
from kiosk.store.database import Database

log = logging.getLogger(__name__)


class Role(enum.Enum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    BRANCH_IT = "branch_it"
    AUDITOR = "auditor"


class Permission(enum.Enum):
    READ_PERSONAL_DATA = "read_personal_data"  # a customer's profile, documents and contracts
    OVERRIDE_CHECK = "override_check"  # waive face verification or another check, with a reason
    VIEW_ACCOUNTS = "view_accounts"
    UNLOCK_ACCOUNTS = "unlock_accounts"
    MANAGE_ACCOUNTS = "manage_accounts"  # add and disable accounts
    EXPORT_AUDIT = "export_audit"  # the access-review report
    VERIFY_AUDIT = "verify_audit"  # check the audit chain, which shows no personal data
    HANDLE_SUBJECT_REQUESTS = "handle_subject_requests"  # a customer's export and deletion requests
    STORE_MAINTENANCE = "store_maintenance"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset({Permission.READ_PERSONAL_DATA, Permission.OVERRIDE_CHECK}),
    Role.SUPERVISOR: frozenset(
        {
            Permission.READ_PERSONAL_DATA,
            Permission.OVERRIDE_CHECK,
            Permission.VIEW_ACCOUNTS,
            Permission.UNLOCK_ACCOUNTS,
            Permission.HANDLE_SUBJECT_REQUESTS,
        }
    ),
    # Branch IT runs the machine and the accounts but reads no customer's data.
    Role.BRANCH_IT: frozenset(
        {
            Permission.VIEW_ACCOUNTS,
            Permission.UNLOCK_ACCOUNTS,
            Permission.MANAGE_ACCOUNTS,
            Permission.VERIFY_AUDIT,
            Permission.STORE_MAINTENANCE,
        }
    ),
    Role.AUDITOR: frozenset({Permission.VIEW_ACCOUNTS, Permission.EXPORT_AUDIT, Permission.VERIFY_AUDIT}),
}

MINIMUM_PIN_DIGITS = 6
MAXIMUM_PIN_DIGITS = 32
ACCOUNT_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")



class AccessError(CounterSignError):
    message = Message("账户操作失败，请联系主管或 IT。", "The account operation failed. Please ask a supervisor or IT.")


class AccessDenied(AccessError):
    message = Message("您的角色无权进行此操作。", "Your role is not allowed to do this.")


class AuthenticationFailed(AccessError):
    message = Message("账户或 PIN 码不正确。", "The account or PIN is not correct.")


class AccountLocked(AccessError):
    message = Message(
        "PIN 码错误次数过多，账户已锁定，请稍后再试或请主管解锁。",
        "Too many wrong PINs: the account is locked. Try again later or ask a supervisor to unlock it.",
    )


class AccountDisabled(AccessError):
    message = Message("该账户已停用。", "This account is disabled.")


class InvalidAccountInput(AccessError):
    message = Message("账户信息无效，请检查后重试。", "The account details are not valid. Please check them and try again.")


@dataclass(frozen=True)
class AccessSettings:
    """Lock-out policy and the Argon2id parameters of new PIN hashes.

    The default hash parameters are argon2-cffi 25.1's RFC 9106 low-memory profile
    (Argon2id, 3 passes, 64 MiB, 4 lanes). ``argon2.profiles.CHEAPEST`` is for tests
    only: it keeps test runs fast and must never reach a branch.
    """

    max_failed_logins: int = 5
    lockout_minutes: int = 15
    pin_hash: Parameters = field(default_factory=lambda: profiles.RFC_9106_LOW_MEMORY)

    def __post_init__(self) -> None:
        if self.max_failed_logins < 1:
            raise ValueError(f"max_failed_logins must be at least 1, not {self.max_failed_logins}")
        if self.lockout_minutes < 1:
            raise ValueError(f"lockout_minutes must be at least 1, not {self.lockout_minutes}")


@dataclass(frozen=True)
class Actor:
    """A signed-in person: the account id and role that store operations check and audit."""

    account_id: str
    role: Role
    display_name: str

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


@dataclass(frozen=True)
class Account:
    """An account as listed; the PIN hash is never part of it."""

    account_id: str
    display_name: str
    role: Role
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    created_by: str | None
    disabled_at: datetime | None

    def locked_at(self, at: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > at

    def to_json(self, at: datetime) -> dict:
        return {
            "account_id": self.account_id,
            "display_name": self.display_name,
            "role": self.role.value,
            "failed_attempts": self.failed_attempts,
            "locked": self.locked_at(at),
            "locked_until": self.locked_until.isoformat() if self.locked_at(at) else None,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "disabled": self.disabled_at is not None,
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


def _optional_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def check_pin(pin: str) -> None:
    """Raise :class:`InvalidAccountInput` unless ``pin`` is 6 to 32 digits and not trivially guessable."""
    if not pin.isascii() or not pin.isdigit() or not MINIMUM_PIN_DIGITS <= len(pin) <= MAXIMUM_PIN_DIGITS:
        raise InvalidAccountInput(
            f"a PIN must be {MINIMUM_PIN_DIGITS} to {MAXIMUM_PIN_DIGITS} digits",
            Message(f"PIN 码须为 {MINIMUM_PIN_DIGITS} 至 {MAXIMUM_PIN_DIGITS} 位数字。", f"A PIN must be {MINIMUM_PIN_DIGITS} to {MAXIMUM_PIN_DIGITS} digits."),
        )
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        raise InvalidAccountInput(
            "a PIN of one repeated digit or a run such as 123456 is too easy to guess",
            Message("PIN 码过于简单（重复或连续数字），请换一个。", "The PIN is too easy to guess (repeated or consecutive digits). Choose another."),
        )


def check_account_id(account_id: str) -> None:
    if not ACCOUNT_ID_PATTERN.fullmatch(account_id):
        raise InvalidAccountInput(
            f"account id {account_id!r} is invalid: use 2 to 32 lower-case letters, digits, '.', '_' or '-'",
            Message("账户名无效：请用 2 至 32 位小写字母、数字、“.”、“_”或“-”。", "The account id is not valid: use 2 to 32 lower-case letters, digits, '.', '_' or '-'."),
        )


class AccountStore:
    """Accounts of one branch store; every method must run on the store's owner thread.

    Times passed in must be timezone-aware; the branch's zone is the usual choice.
    """

    def __init__(self, database: Database, settings: AccessSettings | None = None) -> None:
        self.database = database
        self.settings = settings or AccessSettings()
        self._hasher = PasswordHasher.from_parameters(self.settings.pin_hash)
        self._unknown_account_hash: str | None = None

    # Sign-in ---------------------------------------------------------------------

    def authenticate(self, account_id: str, pin: str, at: datetime) -> Actor:
        """Check the PIN and return the account's :class:`Actor`.

        An unknown account costs one Argon2 verification like a known one, so the time
        taken does not tell whether an account exists. Raises
        :class:`AuthenticationFailed`, :class:`AccountLocked` or :class:`AccountDisabled`;
        each failure is written to the audit log before it is raised.
        """
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT role, display_name, pin_hash, failed_attempts, locked_until, disabled_at FROM accounts WHERE account_id = ?",
            (account_id,),
        ).fetchone()
        if row is None:
            self._verify_against_unknown(pin)
            subject = account_id if ACCOUNT_ID_PATTERN.fullmatch(account_id) else None
            self._audit(at, UNKNOWN_ACCOUNT_ACTOR, "none", "login_failed", subject, outcome="unknown_account")
            log.warning("sign-in failed: no account %r", subject or "(malformed id)")
            raise AuthenticationFailed("unknown account or wrong PIN")

        role, display_name, pin_hash, failed_attempts, locked_until, disabled_at = row
        if disabled_at is not None:
            self._audit(at, account_id, role, "login_refused", account_id, outcome="disabled")
            raise AccountDisabled(f"account {account_id} is disabled")
        locked = _optional_time(locked_until)
        if locked is not None and locked > at:
            self._audit(at, account_id, role, "login_refused", account_id, outcome="locked")
            raise AccountLocked(f"account {account_id} is locked until {locked.isoformat()}")

        if self._pin_matches(pin_hash, pin):
            self._record_success(account_id, role, pin_hash, pin, at)
            return Actor(account_id, Role(role), display_name)
        raise self._record_failure(account_id, role, failed_attempts, at)

    def _pin_matches(self, pin_hash: str, pin: str) -> bool:
        # argon2-cffi compares the computed and stored tags in constant time.
        try:
            return self._hasher.verify(pin_hash, pin)
        except VerifyMismatchError:
            return False
        except (VerificationError, InvalidHashError) as error:
            log.error("stored PIN hash cannot be checked: %s", error)
            return False

    def _verify_against_unknown(self, pin: str) -> None:
        if self._unknown_account_hash is None:
            self._unknown_account_hash = self._hasher.hash(secrets.token_hex(16))
        self._pin_matches(self._unknown_account_hash, pin)

    def _record_success(self, account_id: str, role: str, pin_hash: str, pin: str, at: datetime) -> None:
        new_hash = self._hasher.hash(pin) if self._hasher.check_needs_rehash(pin_hash) else None
        with self.database.transaction() as connection:
            connection.execute(
                "UPDATE accounts SET failed_attempts = 0, locked_until = NULL, pin_hash = coalesce(?, pin_hash) WHERE account_id = ?",
                (new_hash, account_id),
            )
            append_audit(connection, at, account_id, role, "login", account_id)
        if new_hash:
            log.info("account %s: PIN rehashed with the current Argon2 parameters", account_id)

    def _record_failure(self, account_id: str, role: str, failed_attempts: int, at: datetime) -> AccessError:
        """Count a wrong PIN, lock the account at the limit, and return the error to raise."""
        failures = failed_attempts + 1
        lock = failures >= self.settings.max_failed_logins
        until = at + timedelta(minutes=self.settings.lockout_minutes) if lock else None
        with self.database.transaction() as connection:
            connection.execute(
                "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE account_id = ?",
                (0 if lock else failures, until.isoformat() if until else None, account_id),
            )
            append_audit(connection, at, account_id, role, "login_failed", account_id, outcome="wrong_pin", details={"consecutive": failures})
            if lock:
                append_audit(
                    connection, at, account_id, role, "account_locked", account_id, outcome="locked",
                    details={"until": until.isoformat(), "failures": failures},
                )
        if lock:
            log.warning("account %s locked until %s after %d wrong PINs", account_id, until.isoformat(), failures)
            return AccountLocked(f"account {account_id} is locked until {until.isoformat()} after {failures} wrong PINs")
        log.warning("account %s: wrong PIN (%d in a row)", account_id, failures)
        return AuthenticationFailed("unknown account or wrong PIN")

    # Permissions -----------------------------------------------------------------

    def require(self, actor: Actor, permission: Permission, at: datetime, subject: str | None = None) -> None:
        """Raise :class:`AccessDenied`, after auditing the attempt, unless ``actor`` has ``permission``."""
        require_permission(self.database, actor, permission, at, subject)

    # Account management ----------------------------------------------------------

    def has_accounts(self) -> bool:
        self.database.owner.check()
        return self.database.connection.execute("SELECT count(*) FROM accounts").fetchone()[0] > 0

    def add_account(
        self, actor: Actor | None, account_id: str, display_name: str, role: Role, pin: str, at: datetime
    ) -> Account:
        """Create an account; ``actor`` needs MANAGE_ACCOUNTS.

        ``actor`` may be ``None`` only to create the first account of a store with no
        accounts, and that account must be branch IT. Raises :class:`InvalidAccountInput`
        for a bad id, name or PIN or an id in use, and :class:`AccessDenied`.
        """
        self.database.owner.check()
        check_account_id(account_id)
        check_pin(pin)
        if not display_name.strip() or len(display_name) > 64:
            raise InvalidAccountInput("a display name must be 1 to 64 characters")
        if actor is None:
            if self.has_accounts():
                raise AccessDenied("the store has accounts already; sign in as branch IT to add one")
            if role is not Role.BRANCH_IT:
                raise InvalidAccountInput(
                    "the first account of a store must be branch_it",
                    Message("第一个账户须为 IT 账户（branch_it）。", "The first account must be a branch IT account (branch_it)."),
                )
        else:
            self.require(actor, Permission.MANAGE_ACCOUNTS, at, account_id)

        pin_hash = self._hasher.hash(pin)
        actor_id, actor_role = (actor.account_id, actor.role.value) if actor else (BOOTSTRAP_ACTOR, "none")
        with self.database.transaction() as connection:
            if connection.execute("SELECT 1 FROM accounts WHERE account_id = ?", (account_id,)).fetchone():
                raise InvalidAccountInput(
                    f"account {account_id} exists already",
                    Message("该账户名已被使用。", "This account id is already in use."),
                )
            connection.execute(
                "INSERT INTO accounts (account_id, display_name, role, pin_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                (account_id, display_name.strip(), role.value, pin_hash, at.isoformat(), actor.account_id if actor else None),
            )
            append_audit(connection, at, actor_id, actor_role, "account_added", account_id, details={"role": role.value})
        log.info("account %s (%s) added by %s", account_id, role.value, actor_id)
        return self.account(account_id)

    def account(self, account_id: str) -> Account:
        """Return one account; raises :class:`InvalidAccountInput` when there is none."""
        self.database.owner.check()
        row = self.database.connection.execute(
            "SELECT account_id, display_name, role, failed_attempts, locked_until, created_at, created_by, disabled_at "
            "FROM accounts WHERE account_id = ?",
            (account_id,),
        ).fetchone()
        if row is None:
            raise InvalidAccountInput(f"no account {account_id}", Message("没有这个账户。", "There is no such account."))
        return _account_from_row(row)

    def list_accounts(self, actor: Actor, at: datetime) -> list[Account]:
        """Return every account, ordered by id; ``actor`` needs VIEW_ACCOUNTS."""
        self.require(actor, Permission.VIEW_ACCOUNTS, at)
        rows = self.database.connection.execute(
            "SELECT account_id, display_name, role, failed_attempts, locked_until, created_at, created_by, disabled_at "
            "FROM accounts ORDER BY account_id"
        ).fetchall()
        return [_account_from_row(row) for row in rows]

    def unlock(self, actor: Actor, account_id: str, at: datetime) -> Account:
        """Clear an account's lock-out and failure count; ``actor`` needs UNLOCK_ACCOUNTS."""
        self.require(actor, Permission.UNLOCK_ACCOUNTS, at, account_id)
        self.account(account_id)
        with self.database.transaction() as connection:
            connection.execute("UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE account_id = ?", (account_id,))
            append_audit(connection, at, actor.account_id, actor.role.value, "account_unlocked", account_id)
        log.info("account %s unlocked by %s", account_id, actor.account_id)
        return self.account(account_id)

    def disable(self, actor: Actor, account_id: str, at: datetime) -> Account:
        """Disable an account for good; ``actor`` needs MANAGE_ACCOUNTS.

        The last enabled branch IT account cannot be disabled, because nobody could
        manage accounts afterwards.
        """
        self.require(actor, Permission.MANAGE_ACCOUNTS, at, account_id)
        target = self.account(account_id)
        if target.disabled_at is not None:
            return target
        with self.database.transaction() as connection:
            if target.role is Role.BRANCH_IT:
                others = connection.execute(
                    "SELECT count(*) FROM accounts WHERE role = 'branch_it' AND disabled_at IS NULL AND account_id != ?",
                    (account_id,),
                ).fetchone()[0]
                if others == 0:
                    raise InvalidAccountInput(
                        f"account {account_id} is the last enabled branch_it account",
                        Message("这是最后一个可用的 IT 账户，不能停用。", "This is the last enabled branch IT account; it cannot be disabled."),
                    )
            connection.execute("UPDATE accounts SET disabled_at = ? WHERE account_id = ?", (at.isoformat(), account_id))
            append_audit(connection, at, actor.account_id, actor.role.value, "account_disabled", account_id)
        log.info("account %s disabled by %s", account_id, actor.account_id)
        return self.account(account_id)

    def _audit(self, at: datetime, actor_id: str, role: str, action: str, subject: str | None, outcome: str) -> None:
        with self.database.transaction() as connection:
            append_audit(connection, at, actor_id, role, action, subject, outcome=outcome)


def _account_from_row(row: tuple) -> Account:
    return Account(
        account_id=row[0],
        display_name=row[1],
        role=Role(row[2]),
        failed_attempts=row[3],
        locked_until=_optional_time(row[4]),
        created_at=datetime.fromisoformat(row[5]),
        created_by=row[6],
        disabled_at=_optional_time(row[7]),
    )


def require_permission(
    database: Database, actor: Actor, permission: Permission, at: datetime, subject: str | None = None
) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` has ``permission``; a denial is audited first.

    Must not run inside a write transaction, because the denial is committed on its own.
    """
    database.owner.check()
    if actor.may(permission):
        return
    with database.transaction() as connection:
        append_audit(
            connection, at, actor.account_id, actor.role.value, "access_denied", subject, outcome="denied",
            details={"permission": permission.value},
        )
    log.warning("account %s (%s) denied %s", actor.account_id, actor.role.value, permission.value)
    raise AccessDenied(f"account {actor.account_id} ({actor.role.value}) may not {permission.value.replace('_', ' ')}")
