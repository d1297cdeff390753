"""``countersign id check NUMBER``: check an identity number as the kiosk would."""

import argparse
import json
import logging
from datetime import date

from kiosk.identity.id_number import check_number, mask_id_number

log = logging.getLogger(__name__)


def register(commands, common: argparse.ArgumentParser) -> None:
    id_parser = commands.add_parser("id", parents=[common], help="identity number tools")
    id_commands = id_parser.add_subparsers(dest="id_command", required=True)
    check = id_commands.add_parser(
        "check",
        parents=[common],
        help="check an ID number (GB 11643, division code, permit and permanent residence numbers)",
    )
    check.add_argument("number", help="the number as printed; spaces and full-width digits are accepted")
    check.set_defaults(handler=command_id_check)


def command_id_check(args: argparse.Namespace) -> int:
    """Print the report; exit 0 when the number is valid and 1 when it is not."""
    report = check_number(args.number, date.today())
    log.info("id check %s: %s, %s", mask_id_number(report.normalized), report.kind.value, "valid" if report.valid else "invalid")
    payload = {
        "valid": report.valid,
        "normalized": report.normalized if report.valid else None,
        "kind": report.kind.value,
        "warnings": [warning.to_json() for warning in report.warnings],
        "errors": [error.to_json() for error in report.errors],
    }
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"{'valid' if report.valid else 'INVALID'}: {report.normalized} ({report.kind.value})")
        for error in report.errors:
            print(f"  error: {error.en} / {error.zh}")
        for warning in report.warnings:
            print(f"  warning: {warning.en} / {warning.zh}")
    return 0 if report.valid else 1
