"""``countersign hq id-standin|recheck|id-check-report``: the national ID check at HQ.

``hq id-standin`` serves the local stand-in citizen identity service for tests and trials.
``hq recheck`` checks the approvals that branches made offline once more, and
``hq id-check-report`` counts checks by outcome against the company's 95 % target.
"""

import argparse
import json
import logging

from pathlib import Path

from countersign.commands.periods import add_period, period_bounds
from kiosk.errors import ConfigError
from kiosk.messages import Message

log = logging.getLogger(__name__)

_BELOW_TARGET = Message("核查成功率低于目标。", "The check success rate is below the target.")
_AT_TARGET = Message("核查成功率达到目标。", "The check success rate meets the target.")
_NO_CHECKS = Message("该时段内没有联网核查。", "There were no online checks in this period.")


def register_actions(actions, common: argparse.ArgumentParser) -> None:
    """Add the national ID check actions to ``countersign hq``."""
    standin = actions.add_parser(
        "id-standin", parents=[common], help="serve the local stand-in citizen identity service on 127.0.0.1"
    )
    standin.add_argument("--roster", type=Path, required=True, help="JSON file: {\"citizens\": [{\"name\", \"number\", \"photo_sha256\"}]}")
    standin.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1")
    standin.set_defaults(handler=command_hq_id_standin)

    recheck = actions.add_parser("recheck", parents=[common], help="re-check the approvals that branches made offline, once")
    recheck.add_argument("--config", type=Path, required=True, help="hq.toml with id_service_url")
    recheck.add_argument("--limit", type=int, default=100, help="at most this many approvals in this run (default 100)")
    recheck.set_defaults(handler=command_hq_recheck)

    report = actions.add_parser("id-check-report", parents=[common], help="national ID checks by outcome, and the success rate")
    report.add_argument("--config", type=Path, required=True, help="hq.toml")
    add_period(report, default_days=30)
    report.set_defaults(handler=command_hq_id_check_report)


def _desk(config: Path):
    from countersign.commands.hq import _settings
    from hq.server import build_services

    settings = _settings(config)
    if not settings.id_service_url:
        raise ConfigError(
            f"{config} has no id_service_url in [hq]",
            Message("总部未配置公民身份信息核查服务。", "HQ has no national ID check service configured."),
        )
    return build_services(settings).id_checks


def command_hq_id_standin(args: argparse.Namespace) -> int:
    from hq.id_standin import StandinService, load_roster

    try:
        roster = load_roster(args.roster)
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the roster {args.roster}: {error}", Message("名单文件有误。", "The roster file is not valid.")) from error
    service = StandinService(roster, args.port)
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0


def command_hq_recheck(args: argparse.Namespace) -> int:
    desk = _desk(args.config)
    try:
        report = desk.recheck_pending(args.limit)
    finally:
        desk.close()
    payload = report.to_json()
    print(json.dumps(payload) if args.json else "\n".join(f"{name:<10} {value}" for name, value in payload.items()))
    return 0


def command_hq_id_check_report(args: argparse.Namespace) -> int:
    from countersign.commands.hq import _settings
    from hq.database import connect, migrate
    from hq.id_check import success_rate

    settings = _settings(args.config)
    try:
        since, until = period_bounds(args)
    except argparse.ArgumentTypeError as error:
        raise ConfigError(str(error), Message("日期无效，或开始日期不早于结束日期。", "A date is not valid, or the start is not before the end.")) from error
    engine = connect(settings.database_url)
    migrate(engine)
    rate = success_rate(engine, since, until)

    payload = rate.to_json()
    if rate.meets_target is None:
        verdict = _NO_CHECKS
    elif rate.meets_target:
        verdict = _AT_TARGET
    else:
        verdict = _BELOW_TARGET
    payload["verdict"] = verdict.to_json()
    # Like report face-coverage: below the company's target the job ran but did not succeed.
    status = 1 if rate.meets_target is False else 0
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
        return status
    print(f"period          {payload['from']} .. {payload['to']}")
    for outcome, count in sorted(rate.online.items()):
        print(f"online  {outcome:<12} {count}")
    for outcome, count in sorted(rate.recheck.items()):
        print(f"recheck {outcome:<12} {count}")
    print(f"answered        {rate.answered} of {rate.total}" + (f" ({rate.answered_rate:.1%})" if rate.answered_rate is not None else ""))
    if rate.match_rate is not None:
        print(f"matched         {rate.match_rate:.1%} of answered")
    print(f"target          {payload['target']:.0%} answered")
    print(f"                {verdict.bilingual()}")
    return status

