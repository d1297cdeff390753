"""``countersign mrz check FILE``: parse one machine readable zone and check every field, check digit and date."""

import argparse
import json
import logging
import sys
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.identity.mrz import MrzResult, parse_mrz
from kiosk.messages import Message

log = logging.getLogger("countersign.commands.mrz")

# The longest MRZ (TD1, 3 × 30) with line breaks is under 100 bytes; anything far larger is not one.
MAX_INPUT_BYTES = 64 * 1024
_UNREADABLE = Message("无法读取机读码文件。", "The MRZ file could not be read.")


def register(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``mrz check`` to the ``countersign`` parser."""
    mrz = commands.add_parser("mrz", parents=[common], help="machine readable zones of passports and ID cards")
    actions = mrz.add_subparsers(dest="mrz_command", required=True)
    check = actions.add_parser(
        "check",
        parents=[common],
        help="parse one MRZ and check its characters, check digits and dates",
        description="Exit status: 0 when the MRZ is valid, 1 when it is not, 2 when FILE cannot be read.",
    )
    check.add_argument("file", help="a text file containing one MRZ, its lines as printed; - reads standard input")
    check.set_defaults(handler=command_mrz_check)


def read_mrz_text(name: str) -> str:
    """Return the text of ``name`` (``-`` for standard input); raises :class:`ConfigError` when it cannot be read."""
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(name).open("rb") as source:
                data = source.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read {name}: {error.strerror}", _UNREADABLE) from error
    if len(data) > MAX_INPUT_BYTES:
        raise ConfigError(f"{name} is too large (over {MAX_INPUT_BYTES} bytes) for a file of one MRZ", _UNREADABLE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name} is not UTF-8 text: {error.reason} at byte {error.start}", _UNREADABLE) from error


def command_mrz_check(args: argparse.Namespace) -> int:
    result = parse_mrz(read_mrz_text(args.file))
    log.info(
        "mrz check %s: %s, %s, %d error(s)",
        args.file,
        result.format.value if result.format else "unknown format",
        "valid" if result.valid else "invalid",
        len(result.errors),
    )

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(result)))
    return 0 if result.valid else 1


def _display(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "-" if value in (None, "") else str(value)


def describe(result: MrzResult) -> list[str]:
    """Return the lines ``mrz check`` prints without ``--json``."""
    lines = [
        f"valid   {'yes' if result.valid else f'no ({len(result.errors)} error(s))'}",
        f"format  {result.format.value if result.format else 'unknown'}",
    ]
    fields = result.fields_json()
    if fields:
        lines.append("fields")
        width = max(len(name) for name in fields)
        for name, value in fields.items():
            lines.append(f"  {name:<{width}}  {_display(value)}")
    for error in result.errors:
        where = ", ".join(f"line {line} column {column}" for line, column in error.columns[:3])
        if len(error.columns) > 3:
            where += f" and {len(error.columns) - 3} more"
        lines.append(f"error   {error.code} in {error.field or 'layout'}{f' ({where})' if where else ''}: {error.detail}")
        lines.append(f"        {error.message.bilingual()}")
    for warning in result.warnings:
        lines.append(f"warning {warning.code} in {warning.field}: {warning.message.bilingual()}")
    return lines
