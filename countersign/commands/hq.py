"""``countersign hq init|serve|issue-kiosk|publish``: run headquarters and provision kiosks for it.

``hq init DIR`` makes a one-machine trial HQ: a CA, a server certificate for
127.0.0.1 and localhost, an SQLite database and ``hq.toml``. ``hq serve --config
hq.toml`` serves it (PostgreSQL when ``database_url`` says so). ``hq issue-kiosk``
writes a kiosk's client certificate and the CA it pins, for the branch's ``[hq]``.
"""

import argparse
import json
import logging
import sys
from pathlib import Path

from countersign.commands import hq_archive, hq_certificates, hq_idcheck, hq_risk
from kiosk.errors import ConfigError
from kiosk.messages import Message

log = logging.getLogger(__name__)

CONFIG_TEMPLATE = """\
# HQ for a one-machine trial, made by `countersign hq init`.
[hq]
database_url = "sqlite:///hq.db"
certificate = "tls/server.pem"
private_key = "tls/server.key"
client_ca = "tls/ca.pem"
host = "127.0.0.1"
port = {port}
"""


def register(commands, common: argparse.ArgumentParser) -> None:
    hq = commands.add_parser("hq", parents=[common], help="headquarters: init, serve, issue-kiosk, publish")
    actions = hq.add_subparsers(dest="hq_action", required=True)

    init = actions.add_parser("init", parents=[common], help="create a one-machine trial HQ in a folder")
    init.add_argument("folder", type=Path)
    init.add_argument("--port", type=int, default=8443)
    init.add_argument("--host-name", action="append", help="extra host name or address in the server certificate, repeatable")
    init.set_defaults(handler=command_hq_init)

    serve = actions.add_parser("serve", parents=[common], help="serve HQ over HTTPS with client certificates")
    serve.add_argument("--config", type=Path, required=True, help="hq.toml")
    serve.set_defaults(handler=command_hq_serve)

    issue = actions.add_parser("issue-kiosk", parents=[common], help="issue a kiosk's client certificate")
    issue.add_argument("--config", type=Path, required=True, help="hq.toml of the HQ whose CA issues it")
    issue.add_argument("--branch", required=True, help="the branch id, as in the branch profile")
    issue.add_argument("--kiosk", required=True, help="the kiosk id, unique in the branch")
    issue.add_argument("--out", type=Path, required=True, help="folder for <kiosk>.pem, <kiosk>.key and hq-ca.pem")
    issue.set_defaults(handler=command_hq_issue_kiosk)

    publish = actions.add_parser(
        "publish", parents=[common], help="publish reference data: one JSON object per line, {\"key\": …, \"value\": {…} or null}"
    )
    publish.add_argument("--config", type=Path, required=True)
    publish.add_argument("dataset")
    publish.add_argument("file", type=Path, help="JSON lines file, or - for standard input")
    publish.set_defaults(handler=command_hq_publish)
    hq_certificates.register_actions(actions, common)
    hq_idcheck.register_actions(actions, common)
    hq_archive.register_actions(actions, common)
    hq_risk.register_actions(actions, common)


def _settings(path: Path):
    from hq.server import HqSettings

    try:
        return HqSettings.load(path)
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read HQ settings {path}: {error}", Message("总部配置有误。", "The HQ configuration is not valid.")) from error


def command_hq_init(args: argparse.Namespace) -> int:
    from hq.pki import create_ca, issue_server

    folder: Path = args.folder
    config = folder / "hq.toml"
    if config.exists():
        raise ConfigError(f"{config} exists already; choose another folder", Message("该文件夹中已有总部配置。", "This folder has an HQ already."))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = create_ca(folder / "tls")
    issue_server(ca, folder / "tls", ["127.0.0.1", "localhost", *(args.host_name or [])])
    config.write_text(CONFIG_TEMPLATE.format(port=args.port), encoding="utf-8")
    payload = {"config": str(config), "ca": str(ca.certificate)}
    print(json.dumps(payload) if args.json else f"HQ created: {config}\nCA kiosks pin: {ca.certificate}")
    return 0


def command_hq_serve(args: argparse.Namespace) -> int:
    from hq.server import serve

    serve(_settings(args.config))
    return 0


def command_hq_issue_kiosk(args: argparse.Namespace) -> int:
    from hq.pki import IssuedPair, issue_kiosk

    settings = _settings(args.config)
    ca = IssuedPair(settings.client_ca, settings.client_ca.with_suffix(".key"))
    if not ca.private_key.exists():
        raise ConfigError(f"the CA key {ca.private_key} is not on this machine", Message("本机没有总部 CA 私钥。", "The HQ CA key is not on this machine."))
    pair = issue_kiosk(ca, args.out, args.branch, args.kiosk)
    pinned = args.out / "hq-ca.pem"
    pinned.write_bytes(settings.client_ca.read_bytes())
    payload = {"certificate": str(pair.certificate), "private_key": str(pair.private_key), "ca": str(pinned)}
    print(json.dumps(payload) if args.json else "\n".join(f"{name:<12} {path}" for name, path in payload.items()))
    return 0


def command_hq_publish(args: argparse.Namespace) -> int:
    from hq.database import connect, migrate
    from hq.reference import UnknownDataset, publish

    settings = _settings(args.config)
    stream = sys.stdin if str(args.file) == "-" else args.file.open(encoding="utf-8")
    changes = []
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                changes.append((str(item["key"]), item.get("value")))
            except (ValueError, KeyError, TypeError) as error:
                raise ConfigError(f"{args.file} line {number}: {error}") from error
    engine = connect(settings.database_url)
    migrate(engine)
    try:
        cursor = publish(engine, args.dataset, changes)
    except UnknownDataset as error:
        raise ConfigError(str(error)) from error
    payload = {"dataset": args.dataset, "changes": len(changes), "cursor": cursor}
    print(json.dumps(payload) if args.json else f"{len(changes)} changes to {args.dataset}, cursor {cursor}")
    return 0
