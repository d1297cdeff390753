"""``countersign account|audit|subject``: staff accounts, the audit log and customers' data requests.

Every subcommand acts as a signed-in account (``--as ACCOUNT``). The PIN is read from
``--pin-file``, from ``$COUNTERSIGN_PIN`` or from a prompt, never from the command line.
The one exception is ``account add`` on a store without accounts, which creates the
first branch IT account.
"""

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from countersign.config import BranchConfig, load_config
from countersign.files import write_atomically
from kiosk.errors import ConfigError
from kiosk.identity.id_number import check_character, mask_id_number, normalise_id_number
from kiosk.messages import Message
from kiosk.store.access_review import access_review
from kiosk.store.accounts import AccountStore, Actor, Permission, Role
from kiosk.store.audit import append_audit, verify_audit_chain
from kiosk.store.biometrics import BiometricCipher
from kiosk.store.database import Database
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.personal_data import PersonalDataAccess
from kiosk.store.rentals import RentalStore
from kiosk.store.subject_requests import delete_subject_data, export_subject_data

log = logging.getLogger(__name__)

PIN_ENVIRONMENT = "COUNTERSIGN_PIN"
NEW_PIN_ENVIRONMENT = "COUNTERSIGN_NEW_PIN"


def acting_options() -> argparse.ArgumentParser:
    """Return the parent parser of ``--as`` and ``--pin-file``, shared by every command that signs in."""
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--as", dest="actor", metavar="ACCOUNT", help="the account to act as (required, except for the first account)")
    acting.add_argument("--pin-file", type=Path, help=f"file holding the PIN of --as (default: ${PIN_ENVIRONMENT}, else a prompt)")
    return acting


def register(commands, common: argparse.ArgumentParser) -> None:
    parents = [common, acting_options()]

    account = commands.add_parser("account", parents=[common], help="staff accounts: add, list, unlock, disable")
    account_actions = account.add_subparsers(dest="account_action", required=True)
    add = account_actions.add_parser("add", parents=parents, help="add an account; on a store without accounts, the first branch_it account")
    add.add_argument("account_id", help="2 to 32 lower-case letters, digits, '.', '_' or '-'")
    add.add_argument("--name", required=True, help="the person's display name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--new-pin-file", type=Path, help=f"file holding the new account's PIN (default: ${NEW_PIN_ENVIRONMENT}, else a prompt)")
    add.set_defaults(handler=command_account_add)
    listing = account_actions.add_parser("list", parents=parents, help="list accounts with their role and lock-out state")
    listing.set_defaults(handler=command_account_list)
    unlock = account_actions.add_parser("unlock", parents=parents, help="clear an account's lock-out (supervisor or branch IT)")
    unlock.add_argument("account_id")
    unlock.set_defaults(handler=command_account_unlock)
    disable = account_actions.add_parser("disable", parents=parents, help="disable an account for good (branch IT)")
    disable.add_argument("account_id")
    disable.set_defaults(handler=command_account_disable)

    audit = commands.add_parser("audit", parents=[common], help="the audit log: chain check and access-review report")
    audit_actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = audit_actions.add_parser(
        "verify", parents=parents, help="check the audit log's hash chain",
        description="Exit status: 0 when the chain is intact, 1 when an entry was altered, removed or reordered.",
    )
    verify.set_defaults(handler=command_audit_verify)
    report = audit_actions.add_parser("report", parents=parents, help="access-review report of a period (auditor)")
    report.add_argument("--from", dest="since", required=True, type=_date, help="first day, YYYY-MM-DD, in the branch's time zone")
    report.add_argument("--to", dest="until", required=True, type=_date, help="last day (included), YYYY-MM-DD")
    report.set_defaults(handler=command_audit_report)

    subject = commands.add_parser("subject", parents=[common], help="a customer's requests about their data (supervisor)")
    subject_actions = subject.add_subparsers(dest="subject_action", required=True)
    export = subject_actions.add_parser("export", parents=parents, help="write everything held about a customer to a JSON file (mode 0600)")
    export.add_argument("id_number", help="the customer's document number")
    export.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    export.add_argument("--purpose", default="data subject's access request", help="why the export is made (default: %(default)s)")
    export.set_defaults(handler=command_subject_export)
    delete = subject_actions.add_parser("delete", parents=parents, help="delete a customer's data where the law allows; contracts are kept")
    delete.add_argument("id_number", help="the customer's document number")
    delete.set_defaults(handler=command_subject_delete)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}; use YYYY-MM-DD") from None


@dataclass
class Session:
    """The open store, the account store, the branch's clock and the signed-in actor (if any)."""

    config: BranchConfig
    database: Database
    accounts: AccountStore
    zone: ZoneInfo
    actor: Actor | None = None
    biometrics: BiometricCipher | None = None  # decrypts face templates for a subject's export

    def now(self) -> datetime:
        return datetime.now(self.zone)


@contextmanager
def _session(args: argparse.Namespace, sign_in: bool = True) -> Iterator[Session]:
    config = load_config(args.home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    database = keyed.database
    try:
        session = Session(config, database, AccountStore(database), ZoneInfo(config.branch.timezone), biometrics=keyed.biometrics)
        if sign_in:
            session.actor = _sign_in(args, session)
        yield session
    finally:
        database.close()


def _sign_in(args: argparse.Namespace, session: Session) -> Actor:
    if not args.actor:
        raise ConfigError(
            "no acting account: give --as ACCOUNT",
            Message("请用 --as 指定操作账户。", "Give the acting account with --as."),
        )
    pin = _read_secret(args.pin_file, PIN_ENVIRONMENT, f"PIN of {args.actor}: ")
    return session.accounts.authenticate(args.actor, pin, session.now())


def _read_secret(path: Path | None, variable: str, prompt: str) -> str:
    """Read a PIN from ``path``, else from the environment variable, else from a prompt on a terminal."""
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read the PIN file {path}: {error}") from error
    if os.environ.get(variable):
        return os.environ[variable].strip()
    if not sys.stdin.isatty():
        raise ConfigError(
            f"no PIN: give a PIN file or set ${variable}, or run on a terminal to be asked",
            Message("未提供 PIN 码。", "No PIN was given."),
        )
    return getpass.getpass(prompt).strip()


def _emit(args: argparse.Namespace, payload: dict, lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def command_account_add(args: argparse.Namespace) -> int:
    with _session(args, sign_in=False) as session:
        bootstrap = not session.accounts.has_accounts() and not args.actor
        actor = None if bootstrap else _sign_in(args, session)
        pin = _read_secret(args.new_pin_file, NEW_PIN_ENVIRONMENT, f"new PIN of {args.account_id}: ")
        if args.new_pin_file is None and not os.environ.get(NEW_PIN_ENVIRONMENT):
            if getpass.getpass("repeat the new PIN: ").strip() != pin:
                raise ConfigError("the two PINs differ", Message("两次输入的 PIN 码不一致。", "The two PINs differ."))
        account = session.accounts.add_account(actor, args.account_id, args.name, Role(args.role), pin, session.now())
        payload = account.to_json(session.now())
        _emit(args, payload, [
            f"已添加账户 {account.account_id}（{account.role.value}）" + ("，为第一个账户" if bootstrap else "")
            + f" / account {account.account_id} ({account.role.value}) added" + (" as the first account" if bootstrap else "")
        ])
    return 0


def command_account_list(args: argparse.Namespace) -> int:
    with _session(args) as session:
        now = session.now()
        accounts = session.accounts.list_accounts(session.actor, now)
        lines = [f"{'account 账户':<20} {'role 角色':<14} {'state 状态':<16} name 姓名"]
        for account in accounts:
            state = "disabled 已停用" if account.disabled_at else "locked 已锁定" if account.locked_at(now) else "active 正常"
            lines.append(f"{account.account_id:<20} {account.role.value:<14} {state:<16} {account.display_name}")
        _emit(args, {"accounts": [account.to_json(now) for account in accounts]}, lines)
    return 0


def command_account_unlock(args: argparse.Namespace) -> int:
    with _session(args) as session:
        account = session.accounts.unlock(session.actor, args.account_id, session.now())
        _emit(args, account.to_json(session.now()), [f"已解除账户 {account.account_id} 的锁定 / account {account.account_id} unlocked"])
    return 0


def command_account_disable(args: argparse.Namespace) -> int:
    with _session(args) as session:
        account = session.accounts.disable(session.actor, args.account_id, session.now())
        _emit(args, account.to_json(session.now()), [f"已停用账户 {account.account_id} / account {account.account_id} disabled"])
    return 0


def command_audit_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the chain is intact, 1 when a problem is found."""
    with _session(args) as session:
        now = session.now()
        session.accounts.require(session.actor, Permission.VERIFY_AUDIT, now)
        report = verify_audit_chain(session.database.connection)
        with session.database.transaction() as connection:
            append_audit(
                connection, now, session.actor.account_id, session.actor.role.value, "audit_verified",
                outcome="ok" if report.ok else "problems", details={"entries": report.entries, "problems": len(report.problems)},
            )
    for problem in report.problems:
        log.warning("audit verify: entry %s: %s", problem.sequence, problem.problem, extra={"console": False})
    lines = [f"entries    {report.entries}", f"problems   {len(report.problems)}"]
    lines += [f"  entry {problem.sequence}: {problem.problem}" for problem in report.problems]
    lines.append("审计日志完好 audit log OK" if report.ok else "审计日志有问题 audit log NOT OK")
    _emit(args, report.to_json(), lines)
    return 0 if report.ok else 1


def command_audit_report(args: argparse.Namespace) -> int:
    if args.until < args.since:
        raise ConfigError(
            f"--to {args.until} is before --from {args.since}",
            Message("结束日期早于开始日期。", "The end date is before the start date."),
        )
    with _session(args) as session:
        since = datetime.combine(args.since, time(), session.zone)
        until = datetime.combine(args.until + timedelta(days=1), time(), session.zone)
        review = access_review(session.database, session.actor, since, until, session.now())
    _emit(args, review.to_json(), [review.to_text()])
    return 0


_EXPORT_FOUND = Message("已导出本店持有的该客户全部信息。", "Everything this branch holds about the customer was exported.")
_NO_DATA_HELD = Message("本店未持有该证件号码的任何信息。", "This branch holds no data about this document number.")
_DELETION_OUTCOMES = {
    "deleted": Message("已删除该客户的全部信息。", "All data about the customer was deleted."),
    "partial": Message(
        "已删除可删除的信息；已签合同及其依据记录依法保留。",
        "What may be deleted was deleted; signed contracts and the records behind them are kept as the law requires.",
    ),
    "not_found": _NO_DATA_HELD,
}


def subject_number(text: str) -> str:
    """Return the document number of a subject request, normalised as the store indexes it.

    An 18-character number of the resident, permit or permanent-residence shapes must
    carry its check character, so a mistyped number is rejected with that reason instead
    of reading as "no data held". Passport numbers have no check character and pass as typed.
    Raises :class:`ConfigError` for a wrong check character.
    """
    number = normalise_id_number(text)
    if len(number) == 18 and number[:17].isdigit() and check_character(number[:17]) != number[17]:
        log.warning("subject request for %s rejected: wrong check character", mask_id_number(number))
        raise ConfigError(
            f"{mask_id_number(number)} is not a valid document number: its check character (the last) is wrong",
            Message(
                "证件号码无效：最后一位校验码不符，请核对后重新输入。",
                "The document number is not valid: its last character (the check character) does not match. Check it and type it again.",
            ),
        )
    return number


def command_subject_export(args: argparse.Namespace) -> int:
    with _session(args) as session:
        store = RentalStore(session.database, session.biometrics)
        export = export_subject_data(store, session.actor, subject_number(args.id_number), args.purpose, session.now())
    data = json.dumps(export.bundle, ensure_ascii=False, indent=2).encode("utf-8")
    try:
        write_atomically(args.out, data, mode=0o600)
    except OSError as error:
        raise ConfigError(
            f"cannot write {args.out}: {error.strerror}", Message("无法写入导出文件。", "The export file could not be written.")
        ) from error
    summary = export.summary() | {"out": str(args.out)}
    lines = [
        f"subject        {summary['subject']}",
        f"found          {'yes' if export.found else 'no data held'}",
        f"reservations   {summary['reservations']}",
        f"verifications  {summary['verifications']}",
        f"face templates {summary['face_templates']}",
        f"contracts      {summary['contracts']}",
        f"written to     {args.out} (mode 0600)",
        (_EXPORT_FOUND if export.found else _NO_DATA_HELD).bilingual(),
    ]
    _emit(args, summary, lines)
    return 0


def command_contract_export(args: argparse.Namespace) -> int:
    """Write one signed contract's PDF from the store to ``--out``; the read is audited with its purpose."""
    with _session(args) as session:
        pdf = PersonalDataAccess(RentalStore(session.database, session.biometrics)).contract_pdf(session.actor, args.contract_no, args.purpose, session.now())
    try:
        write_atomically(args.out, pdf, mode=0o600)
    except OSError as error:
        raise ConfigError(
            f"cannot write {args.out}: {error.strerror}", Message("无法写入合同文件。", "The contract file could not be written.")
        ) from error
    payload = {"contract_no": args.contract_no, "out": str(args.out), "bytes": len(pdf)}
    lines = [
        f"contract     {args.contract_no}",
        f"written to   {args.out} (mode 0600, {len(pdf):,} bytes)",
        "             合同副本未加密，用完请删除。 / The copy is not encrypted: delete it when done.",
    ]
    _emit(args, payload, lines)
    return 0


def command_subject_delete(args: argparse.Namespace) -> int:
    with _session(args) as session:
        store = RentalStore(session.database, session.biometrics)
        result = delete_subject_data(store, session.actor, subject_number(args.id_number), session.now())
    payload = result.to_json()
    lines = [f"subject   {result.masked_number}", f"outcome   {result.outcome}", f"          {_DELETION_OUTCOMES[result.outcome].bilingual()}"]
    lines += [f"deleted   {name}: {count}" for name, count in result.deleted.items()]
    lines.append(f"customer row deleted: {'yes' if result.customer_row_deleted else 'no'}")
    if result.kept_contracts:
        lines.append(f"kept      contracts: {', '.join(result.kept_contracts)}")
        lines.append(f"          {payload['kept']['reason']['zh']}")
        lines.append(f"          {payload['kept']['reason']['en']}")
    _emit(args, payload, lines)
    return 0
