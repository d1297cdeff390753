"""The access-review report: for a period, what each account did according to the audit log.

A reviewer (the auditor role) reads it to confirm that each person's reads of
personal data and overrides fit their job, and that failed sign-ins and lock-outs
have an explanation. Producing the report is itself audited.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.store.accounts import Actor, Permission, require_permission
from kiosk.store.audit import UNKNOWN_ACCOUNT_ACTOR, append_audit, read_audit_entries
from kiosk.store.database import Database

PERSONAL_DATA_READS = frozenset({"read_customer_profile", "read_contract_pdf", "subject_export"})
OVERRIDES = frozenset({"face_waived"})


@dataclass
class AccountActivity:
    """One account's entries in the period, counted by kind."""

    account_id: str
    role: str
    display_name: str | None = None
    disabled: bool = False
    actions: Counter = field(default_factory=Counter)
    personal_data_reads: list[str] = field(default_factory=list)  # the subjects read, in order
    overrides: list[str] = field(default_factory=list)
    failed_logins: int = 0
    lockouts: int = 0
    denied: int = 0

    def to_json(self) -> dict:
        return {
            "account_id": self.account_id,
            "role": self.role,
            "display_name": self.display_name,
            "disabled": self.disabled,
            "actions": dict(sorted(self.actions.items())),
            "personal_data_reads": len(self.personal_data_reads),
            "personal_data_subjects": sorted(set(self.personal_data_reads)),
            "overrides": len(self.overrides),
            "override_subjects": self.overrides,
            "failed_logins": self.failed_logins,
            "lockouts": self.lockouts,
            "denied": self.denied,
        }


@dataclass(frozen=True)
class AccessReview:
    """The report for ``[since, until)``: every account, active or not, and unknown-account sign-in failures."""

    since: datetime
    until: datetime
    accounts: list[AccountActivity]
    unknown_account_failures: int
    entries: int

    def to_json(self) -> dict:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "entries": self.entries,
            "accounts": [account.to_json() for account in self.accounts],
            "unknown_account_failures": self.unknown_account_failures,
        }

    def to_text(self) -> str:
        lines = [
            f"Access review 访问审查  {self.since.isoformat()} – {self.until.isoformat()}  ({self.entries} audit entries)",
            f"{'account':<20} {'role':<11} {'actions':>7} {'reads':>5} {'overrides':>9} {'failed':>6} {'locks':>5} {'denied':>6}",
        ]
        for account in self.accounts:
            name = account.account_id + (" (disabled)" if account.disabled else "")
            lines.append(
                f"{name:<20} {account.role:<11} {sum(account.actions.values()):>7} {len(account.personal_data_reads):>5} "
                f"{len(account.overrides):>9} {account.failed_logins:>6} {account.lockouts:>5} {account.denied:>6}"
            )
            for subject in account.overrides:
                lines.append(f"    override {subject}")
        lines.append(f"sign-in failures with an unknown account id: {self.unknown_account_failures}")
        return "\n".join(lines)


def access_review(database: Database, actor: Actor, since: datetime, until: datetime, at: datetime) -> AccessReview:
    """Build the report of ``[since, until)`` from the audit log; ``actor`` needs EXPORT_AUDIT.

    Raises ``ValueError`` when ``until`` is not after ``since``.
    """
    if until <= since:
        raise ValueError(f"the period must end after it starts: {since.isoformat()} to {until.isoformat()}")
    require_permission(database, actor, Permission.EXPORT_AUDIT, at)

    activity: dict[str, AccountActivity] = {}
    for account_id, role, display_name, disabled_at in database.connection.execute(
        "SELECT account_id, role, display_name, disabled_at FROM accounts ORDER BY account_id"
    ):
        activity[account_id] = AccountActivity(account_id, role, display_name, disabled_at is not None)

    entries = read_audit_entries(database.connection, since, until)
    unknown_failures = 0
    for entry in entries:
        if entry.actor_id == UNKNOWN_ACCOUNT_ACTOR:
            unknown_failures += entry.action == "login_failed"
            continue
        account = activity.setdefault(entry.actor_id, AccountActivity(entry.actor_id, entry.actor_role))
        account.actions[entry.action] += 1
        if entry.action in PERSONAL_DATA_READS:
            account.personal_data_reads.append(entry.subject or "")
        if entry.action in OVERRIDES:
            account.overrides.append(entry.subject or "")
        account.failed_logins += entry.action == "login_failed"
        account.lockouts += entry.action == "account_locked"
        account.denied += entry.action == "access_denied"

    review = AccessReview(since, until, sorted(activity.values(), key=lambda a: a.account_id), unknown_failures, len(entries))
    with database.transaction() as connection:
        append_audit(
            connection, at, actor.account_id, actor.role.value, "access_review", None, None,
            details={"since": since.isoformat(), "until": until.isoformat(), "entries": len(entries)},
        )
    return review
