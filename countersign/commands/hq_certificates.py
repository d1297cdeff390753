"""``countersign hq renew-server``: a new TLS certificate for HQ from the CA that kiosks pin.

The server certificate that ``hq init`` makes is valid for 397 days. Renewing it from the
same CA needs no change on any kiosk, because kiosks pin the CA and not the certificate.
"""

import argparse
import json
import logging
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.messages import Message

log = logging.getLogger(__name__)


def register_actions(actions, common: argparse.ArgumentParser) -> None:
    """Add the certificate actions to ``countersign hq``."""
    renew = actions.add_parser(
        "renew-server", parents=[common], help="replace HQ's server certificate and key with new ones from its CA; restart HQ after"
    )
    renew.add_argument("--config", type=Path, required=True, help="hq.toml; its certificate and private_key files are replaced")
    renew.add_argument(
        "--host-name", action="append", help="host name or address in the new certificate, repeatable (default: those of the current one)"
    )
    renew.set_defaults(handler=command_hq_renew_server)


def command_hq_renew_server(args: argparse.Namespace) -> int:
    from countersign.commands.hq import _settings
    from hq.pki import IssuedPair, certificate_hosts, renew_server

    settings = _settings(args.config)
    ca = IssuedPair(settings.client_ca, settings.client_ca.with_suffix(".key"))
    if not ca.private_key.exists():
        raise ConfigError(f"the CA key {ca.private_key} is not on this machine", Message("本机没有总部 CA 私钥。", "The HQ CA key is not on this machine."))
    hosts = args.host_name or certificate_hosts(settings.certificate)
    if not hosts:
        raise ConfigError(
            f"{settings.certificate} names no host; give --host-name", Message("请用 --host-name 指定总部地址。", "Give HQ's host name with --host-name.")
        )

    pair = renew_server(ca, settings.certificate, settings.private_key, hosts)
    log.info("HQ server certificate %s renewed for %s", pair.certificate, ", ".join(hosts))
    payload = {"certificate": str(pair.certificate), "private_key": str(pair.private_key), "hosts": hosts}
    print(json.dumps(payload) if args.json else f"renewed {pair.certificate} for {', '.join(hosts)}; restart hq serve")
    return 0
