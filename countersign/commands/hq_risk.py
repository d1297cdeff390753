"""``countersign hq risk …``: the risk officer's and IT's commands for HQ's risk layer.

Imports (rental histories, outcomes), the blacklist and its appeals, configuration
versions (store, publish), the daily job, the rule report and the what-if replay of a
candidate configuration. Nothing reaches branches until it is published: blacklist
changes when they are made, a configuration with ``publish-config``, scores by ``daily``.
"""

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from countersign.commands.periods import add_period, period_bounds
from kiosk.errors import ConfigError
from kiosk.messages import Message

log = logging.getLogger(__name__)

_INVALID_FILE = Message("导入文件有误。", "The import file is not valid.")
_INVALID_CHANGE = Message("风控操作无法执行。", "The risk change cannot be made.")


def register_actions(actions, common: argparse.ArgumentParser) -> None:
    """Add ``risk`` and its actions to ``countersign hq``."""
    risk = actions.add_parser("risk", parents=[common], help="risk layer: scores, blacklist, appeals, configuration, daily job, what-if")
    risk_actions = risk.add_subparsers(dest="risk_action", required=True)

    def action(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = risk_actions.add_parser(name, parents=[common], help=help_text)
        parser.add_argument("--config", type=Path, required=True, help="hq.toml")
        parser.set_defaults(handler=handler)
        return parser

    histories = action("import-histories", "import rental histories: JSON lines {\"document_number\", \"history\": {…}}", command_import_histories)
    histories.add_argument("file", type=Path, help="JSON lines file, or - for standard input")

    outcomes = action(
        "import-outcomes",
        "import rental outcomes: JSON lines {\"transaction_id\" or \"contract_no\", \"outcome\", \"reported_at\", \"source\"}",
        command_import_outcomes,
    )
    outcomes.add_argument("file", type=Path, help="JSON lines file, or - for standard input")

    score = action("score", "show one customer's score under the current configuration, with every factor", command_score)
    score.add_argument("--document-number", required=True)

    add = action("blacklist-add", "list a document and publish the entry", command_blacklist_add)
    add.add_argument("--document-number", required=True)
    add.add_argument("--reason-zh", required=True, help="reason shown to staff and customer, in Chinese")
    add.add_argument("--reason-en", required=True, help="the same reason in English")
    add.add_argument("--source", required=True, help="who reported it: a branch id, the fraud team, a court order")
    add.add_argument("--starts-on", type=date.fromisoformat, default=None, help="first day it applies, YYYY-MM-DD (default: today, UTC)")
    add.add_argument("--expires-on", type=date.fromisoformat, help="first day it no longer applies, YYYY-MM-DD (default: until lifted)")
    add.add_argument("--by", required=True, help="the risk officer's account id")

    listing = action("blacklist-list", "list blacklist entries and their appeals, numbers masked", command_blacklist_list)
    listing.add_argument("--document-number", help="only the entries of this document")

    lift = action("blacklist-lift", "lift an entry without an appeal and publish its removal", command_blacklist_lift)
    lift.add_argument("--entry", type=int, required=True)
    lift.add_argument("--by", required=True)

    appeal = action("appeal-file", "record a customer's appeal against an entry", command_appeal_file)
    appeal.add_argument("--entry", type=int, required=True)
    appeal.add_argument("--statement", required=True, help="the customer's grounds, as received")
    appeal.add_argument("--by", required=True, help="the account id of who recorded it")

    decide = action("appeal-decide", "decide an appeal: upheld keeps the entry, lifted removes it at branches", command_appeal_decide)
    decide.add_argument("--appeal", type=int, required=True)
    decide.add_argument("--decision", choices=("upheld", "lifted"), required=True)
    decide.add_argument("--note", default="", help="the reason for the decision")
    decide.add_argument("--by", required=True)

    store = action("store-config", "store a new risk configuration version; it is not shipped yet", command_store_config)
    store.add_argument("file", type=Path, help="the configuration JSON, as resources/risk/risk-config.json")
    store.add_argument("--by", required=True)

    publish = action("publish-config", "ship a stored version to branches as risk_config/current", command_publish_config)
    publish.add_argument("--version", dest="config_version", required=True)
    publish.add_argument("--by", required=True)
    publish.add_argument("--recompute", action="store_true", help="recompute and publish the scores under it right away")

    daily = action("daily", "collect decisions, recompute scores, publish blacklist changes, evaluate the rules", command_daily)
    daily.add_argument("--date", type=date.fromisoformat, help="the run day, YYYY-MM-DD (default: today, UTC)")

    report = action("report", "per rule and branch: warnings fired, confirmed, false alarms, not yet known", command_report)
    _period(report)

    what_if = action("what-if", "replay past decisions under a candidate configuration and the current one", command_what_if)
    what_if.add_argument("--candidate", type=Path, required=True, help="the candidate configuration JSON")
    _period(what_if)


def _period(parser: argparse.ArgumentParser) -> None:
    add_period(parser, default_days=90)


def _bounds(args: argparse.Namespace) -> tuple[datetime, datetime]:
    try:
        return period_bounds(args)
    except argparse.ArgumentTypeError as error:
        raise ConfigError(str(error), Message("日期无效，或开始日期不早于结束日期。", "A date is not valid, or the start is not before the end.")) from error


def _engine(args: argparse.Namespace):
    from countersign.commands.hq import _settings
    from hq.database import connect, migrate

    engine = connect(_settings(args.config).database_url)
    migrate(engine)
    return engine


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-empty line; raises :class:`ConfigError` naming the line."""
    try:
        stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error}", _INVALID_FILE) from error
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as error:
                raise ConfigError(f"{path} line {number}: not JSON: {error}", _INVALID_FILE) from error
            if not isinstance(item, dict):
                raise ConfigError(f"{path} line {number}: expected a JSON object", _INVALID_FILE)
            yield number, item


def _print(args: argparse.Namespace, payload: dict[str, Any], lines: Callable[[dict[str, Any]], list[str]] | None = None) -> None:
    if args.json or lines is None:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print("\n".join(lines(payload)))


def _fields(payload: dict[str, Any]) -> list[str]:
    return [f"{name:<20} {value}" for name, value in payload.items()]


def command_import_histories(args: argparse.Namespace) -> int:
    from hq.risk.scores import HistoryInvalid, import_histories, parse_history_line

    def parsed():
        for number, item in _json_lines(args.file):
            try:
                yield parse_history_line(item)
            except HistoryInvalid as error:
                raise ConfigError(f"{args.file} line {number}: {error}", _INVALID_FILE) from error

    written = import_histories(_engine(args), parsed())
    _print(args, {"imported": written}, _fields)
    return 0


def command_import_outcomes(args: argparse.Namespace) -> int:
    from hq.risk.decisions import OutcomeInvalid, import_outcomes, parse_outcome_line

    outcomes = []
    for number, item in _json_lines(args.file):
        try:
            outcomes.append(parse_outcome_line(item))
        except OutcomeInvalid as error:
            raise ConfigError(f"{args.file} line {number}: {error}", _INVALID_FILE) from error
    added, unmatched = import_outcomes(_engine(args), outcomes)
    _print(args, {"lines": len(outcomes), "added": added, "unmatched_contracts": unmatched}, _fields)
    return 0 if not unmatched else 1


def command_score(args: argparse.Namespace) -> int:
    from hq.risk.configs import current_config
    from hq.risk.scores import score_of

    engine = _engine(args)
    score = score_of(engine, args.document_number, current_config(engine))
    if score is None:
        print(json.dumps({"score": None}) if args.json else "no rental history for this document / 该证件没有租车记录")
        return 2

    def lines(payload: dict[str, Any]) -> list[str]:
        rows = [f"{payload['masked_number']}  {payload['points']} points, band {payload['band']} ({payload['config_version']})"]
        rows += [f"  {factor['points']:+5d}  {factor['reason']['zh']} / {factor['reason']['en']}" for factor in payload["factors"]]
        return rows

    _print(args, score, lines)
    return 0


def _change(action: Callable[[], Any]) -> Any:
    from hq.risk.blacklist import BlacklistError
    from hq.risk.configs import ConfigVersionError

    try:
        return action()
    except (BlacklistError, ConfigVersionError) as error:
        raise ConfigError(str(error), _INVALID_CHANGE) from error


def command_blacklist_add(args: argparse.Namespace) -> int:
    from hq.risk.blacklist import NewEntry, add_entry, publish_blacklist_changes

    engine = _engine(args)
    from kiosk.identity.id_number import normalise_id_number

    entry = NewEntry(
        document_number=normalise_id_number(args.document_number),
        reason_zh=args.reason_zh,
        reason_en=args.reason_en,
        source=args.source,
        starts_on=args.starts_on or datetime.now(timezone.utc).date(),
        expires_on=args.expires_on,
    )
    entry_id = _change(lambda: add_entry(engine, entry, args.by))
    published = publish_blacklist_changes(engine)
    _print(args, {"entry_id": entry_id, "published": published}, _fields)
    return 0


def command_blacklist_list(args: argparse.Namespace) -> int:
    from hq.risk.blacklist import list_entries

    entries = list_entries(_engine(args), args.document_number)

    def lines(payload: dict[str, Any]) -> list[str]:
        rows = []
        for entry in payload["entries"]:
            until = entry["expires_on"] or "—"
            rows.append(f"{entry['entry_id']:>6}  {entry['masked_number']}  {entry['state']:<7} {entry['starts_on']} .. {until}  {entry['reason']['zh']} / {entry['reason']['en']}")
            rows += [f"        appeal {appeal['appeal_id']}: {appeal['decision'] or 'filed'} ({appeal['filed_by']})" for appeal in entry["appeals"]]
        return rows

    _print(args, {"entries": entries}, lines)
    return 0


def command_blacklist_lift(args: argparse.Namespace) -> int:
    from hq.risk.blacklist import lift_entry, publish_blacklist_changes

    engine = _engine(args)
    _change(lambda: lift_entry(engine, args.entry, args.by))
    published = publish_blacklist_changes(engine)
    _print(args, {"entry_id": args.entry, "state": "lifted", "published": published}, _fields)
    return 0


def command_appeal_file(args: argparse.Namespace) -> int:
    from hq.risk.blacklist import file_appeal, publish_blacklist_changes

    engine = _engine(args)
    appeal_id = _change(lambda: file_appeal(engine, args.entry, args.statement, args.by))
    published = publish_blacklist_changes(engine)
    _print(args, {"appeal_id": appeal_id, "entry_id": args.entry, "published": published}, _fields)
    return 0


def command_appeal_decide(args: argparse.Namespace) -> int:
    from hq.risk.blacklist import decide_appeal, publish_blacklist_changes

    engine = _engine(args)
    entry_id = _change(lambda: decide_appeal(engine, args.appeal, args.decision, args.note, args.by))
    published = publish_blacklist_changes(engine)
    _print(args, {"appeal_id": args.appeal, "entry_id": entry_id, "decision": args.decision, "published": published}, _fields)
    return 0


def command_store_config(args: argparse.Namespace) -> int:
    from hq.risk.configs import store_config

    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {args.file}: {error}", _INVALID_FILE) from error
    engine = _engine(args)
    config = _change(lambda: store_config(engine, document, args.by))
    _print(args, {"version": config.version, "published": False}, _fields)
    return 0


def command_publish_config(args: argparse.Namespace) -> int:
    from hq.risk.configs import publish_config, stored_config
    from hq.risk.scores import recompute_scores

    engine = _engine(args)
    cursor = _change(lambda: publish_config(engine, args.config_version, args.by))
    payload: dict[str, Any] = {"version": args.config_version, "cursor": cursor}
    if args.recompute:
        payload["scores"] = recompute_scores(engine, stored_config(engine, args.config_version)).to_json()
    _print(args, payload, _fields)
    return 0


def command_daily(args: argparse.Namespace) -> int:
    from hq.risk.daily import run_daily

    result = run_daily(_engine(args), today=args.date)

    def lines(payload: dict[str, Any]) -> list[str]:
        scores = payload["scores"]
        return [
            f"run day             {payload['run_on']}",
            f"configuration       {payload['config_version']}",
            f"decisions collected {payload['decisions_collected']}",
            f"scores              {scores['scored']} computed, {scores['published']} changed and published",
            f"blacklist           {payload['blacklist_published']} items published",
            f"rule evaluation     {payload['evaluation']['decisions']} decisions, {payload['evaluation']['with_outcome']} with an outcome",
        ]

    _print(args, result, lines)
    return 0


def command_report(args: argparse.Namespace) -> int:
    from hq.risk.evaluation import evaluate_rules

    since, until = _bounds(args)
    report = evaluate_rules(_engine(args), since, until)

    def lines(payload: dict[str, Any]) -> list[str]:
        rows = [f"period {payload['from']} .. {payload['to']}: {payload['decisions']} decisions, {payload['with_outcome']} with an outcome", ""]
        rows.append(f"{'branch':<10} {'rule':<32} {'fired':>6} {'confirmed':>9} {'false':>6} {'unknown':>7} {'precision':>9}")
        for row in payload["rules"]:
            precision = f"{row['precision']:.1%}" if row["precision"] is not None else "—"
            rows.append(f"{row['branch_id']:<10} {row['rule']:<32} {row['fired']:>6} {row['confirmed']:>9} {row['false_alarms']:>6} {row['unknown']:>7} {precision:>9}")
        return rows

    _print(args, report, lines)
    return 0


def command_what_if(args: argparse.Namespace) -> int:
    from hq.risk.configs import ConfigVersionError, current_config, parse_config
    from hq.risk.what_if import what_if

    try:
        candidate = parse_config(json.loads(args.candidate.read_text(encoding="utf-8")))
    except (OSError, ValueError, ConfigVersionError) as error:
        raise ConfigError(f"cannot use the candidate {args.candidate}: {error}", _INVALID_FILE) from error
    engine = _engine(args)
    since, until = _bounds(args)
    result = what_if(engine, current_config(engine), candidate, since, until)

    def lines(payload: dict[str, Any]) -> list[str]:
        outcomes = payload["outcomes"]
        rows = [
            f"{payload['current_version']} -> {payload['candidate_version']}, {payload['from']} .. {payload['to']}",
            f"{payload['replayed']} decisions replayed, {payload['changed']} would change, {payload['not_replayable']} without inputs",
        ]
        rows += [f"  {change:<40} {count}" for change, count in payload["transitions"].items()]
        for name in ("current", "candidate"):
            tally = outcomes[name]
            rows.append(
                f"{name:<10} bad outcomes caught {tally['caught']} of {tally['bad_outcomes']}, "
                f"good rentals stopped {tally['good_stopped']} of {tally['good_outcomes']}"
            )
        rows.append(f"newly caught {outcomes['newly_caught']}, newly let through {outcomes['newly_let_through']}")
        rows.append("nothing was shipped; publish with 'hq risk store-config' and 'hq risk publish-config'")
        return rows

    _print(args, result, lines)
    return 0
