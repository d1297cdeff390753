"""``countersign hq archive upgrade|search|export``: the contract archive at HQ.

``upgrade`` takes the contracts that branches sent to PAdES B-LTA (run it from cron or
a systemd timer), ``search`` lists contracts by branch, number, signing date and state,
and ``export`` writes one contract's archived B-LTA file.
"""

import argparse
import json
import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path

from countersign.files import write_atomically
from kiosk.errors import ConfigError, CounterSignError
from kiosk.messages import Message

log = logging.getLogger(__name__)

_ALL_UPGRADED = Message("合同已全部升级为长期验证格式 (PAdES B-LTA)。", "Every contract was upgraded to PAdES B-LTA.")
_SOME_FAILED = Message(
    "有 {count} 份合同签章无效或升级失败，已通知法务。", "{count} contracts have an invalid seal or failed to upgrade; legal staff were alerted."
)
_SOME_RETRY = Message(
    "有 {count} 份合同暂时无法升级（网络或服务不可用），下次运行时重试。",
    "{count} contracts could not be upgraded now (network or service unavailable) and will be retried on the next run.",
)
_FOUND = Message("找到 {count} 份合同。", "{count} contracts found.")
_EXPORTED = Message("已导出合同 {contract_no} 的存档文件。", "The archived file of contract {contract_no} was exported.")


class ArchiveLookupFailed(CounterSignError):
    """The contract asked for is not in HQ's archive, or has no archived file yet."""

    message = Message("总部档案中没有该合同的存档文件。", "HQ's archive has no archived file for this contract.")


def register_actions(actions, common: argparse.ArgumentParser) -> None:
    """Add ``archive`` and its actions to ``countersign hq``."""
    archive = actions.add_parser("archive", parents=[common], help="the contract archive: upgrade to PAdES B-LTA, search, export")
    archive_actions = archive.add_subparsers(dest="hq_archive_action", required=True)

    upgrade = archive_actions.add_parser(
        "upgrade",
        parents=[common],
        help="upgrade pending contracts to PAdES B-LTA",
        description="Exit status: 0 when every contract tried was upgraded, 1 when one failed or must be retried, 2 on a configuration error.",
    )
    upgrade.add_argument("--config", type=Path, required=True, help="hq.toml with tsa_url and trust_roots")
    upgrade.add_argument("--limit", type=_positive, default=100, help="at most this many contracts in this run (default 100)")
    upgrade.set_defaults(handler=command_archive_upgrade)

    search = archive_actions.add_parser("search", parents=[common], help="list archived contracts, newest signature first")
    search.add_argument("--config", type=Path, required=True, help="hq.toml")
    search.add_argument("--branch", help="branch id")
    search.add_argument("--contract", help="contract number")
    search.add_argument("--from", dest="signed_from", type=_day, metavar="DATE", help="first signing day, YYYY-MM-DD, China Standard Time, inclusive")
    search.add_argument("--to", dest="signed_to", type=_day, metavar="DATE", help="last signing day, YYYY-MM-DD, China Standard Time, inclusive")
    search.add_argument("--state", choices=("pending", "done", "failed"), help="upgrade state")
    search.add_argument("--limit", type=_positive, default=100, help="at most this many contracts (default 100)")
    search.set_defaults(handler=command_archive_search)

    export = archive_actions.add_parser("export", parents=[common], help="write a contract's archived B-LTA file (mode 0600)")
    export.add_argument("contract_no", metavar="NO", help="contract number")
    export.add_argument("--config", type=Path, required=True, help="hq.toml")
    export.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    export.set_defaults(handler=command_archive_export)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from error


def _engine(config: Path):
    from countersign.commands.hq import _settings
    from hq.database import connect, migrate

    settings = _settings(config)
    engine = connect(settings.database_url)
    migrate(engine)
    return settings, engine


def command_archive_upgrade(args: argparse.Namespace) -> int:
    from hq.archive import ArchiveNotConfigured, upgrade_pending
    from hq.pdfsig import PdfsigUnavailable

    settings, engine = _engine(args.config)
    try:
        report = upgrade_pending(engine, settings, args.limit)
    except (ArchiveNotConfigured, PdfsigUnavailable) as error:
        raise ConfigError(
            f"{args.config}: {error}", Message("总部合同存档的配置有误。", "HQ's contract archive is not configured correctly.")
        ) from error

    verdicts = []
    if report.failed:
        verdicts.append(_SOME_FAILED.format(count=len(report.failed)))
    if report.retry:
        verdicts.append(_SOME_RETRY.format(count=len(report.retry)))
    if not verdicts:
        verdicts.append(_ALL_UPGRADED)
    if args.json:
        payload = report.to_json()
        payload["messages"] = [verdict.to_json() for verdict in verdicts]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"upgraded  {len(report.upgraded)}")
        print(f"failed    {len(report.failed)}")
        print(f"pending   {report.pending}")
        for verdict in verdicts:
            print(verdict.bilingual())
    return 1 if report.failed or report.retry else 0


def command_archive_search(args: argparse.Namespace) -> int:
    from hq.archive import CHINA_STANDARD_TIME, search

    _, engine = _engine(args.config)
    signed_from = datetime.combine(args.signed_from, time(), CHINA_STANDARD_TIME) if args.signed_from else None
    signed_to = datetime.combine(args.signed_to + timedelta(days=1), time(), CHINA_STANDARD_TIME) if args.signed_to else None
    found = search(
        engine,
        branch_id=args.branch,
        contract_no=args.contract,
        signed_from=signed_from,
        signed_to=signed_to,
        state=args.state,
        limit=args.limit,
    )

    verdict = _FOUND.format(count=len(found))
    if args.json:
        print(json.dumps({"contracts": [contract.to_json() for contract in found], "message": verdict.to_json()}, ensure_ascii=False, indent=2))
        return 0
    for contract in found:
        print(
            f"{contract.contract_no}  {contract.branch_id}  {contract.signed_at.isoformat()}  "
            f"{contract.pades_level} -> {contract.archived_pades_level or '-'}  {contract.upgrade_state}"
        )
    print(verdict.bilingual())
    return 0


def command_archive_export(args: argparse.Namespace) -> int:
    from hq.archive import ContractNotFound, archived_pdf

    _, engine = _engine(args.config)
    try:
        pdf = archived_pdf(engine, args.contract_no)
    except (ContractNotFound, ValueError) as error:
        raise ArchiveLookupFailed(str(error)) from error
    write_atomically(args.out, pdf, mode=0o600)
    log.info("contract %s: archived file exported, %d bytes", args.contract_no, len(pdf))

    verdict = _EXPORTED.format(contract_no=args.contract_no)
    if args.json:
        print(json.dumps({"contract_no": args.contract_no, "out": str(args.out), "bytes": len(pdf), "message": verdict.to_json()}, ensure_ascii=False))
    else:
        print(verdict.bilingual())
    return 0
