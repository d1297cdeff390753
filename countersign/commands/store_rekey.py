"""``countersign store rekey``: re-encrypt the branch store under a new store key.

The ``store`` command module registers this action by calling :func:`add_rekey`.
"""

import argparse
import json
import logging

from countersign.config import load_config
from kiosk.store.key_sources.rotation import rotate_store_key

log = logging.getLogger(__name__)


def add_rekey(actions, common: argparse.ArgumentParser) -> None:
    """Add the ``rekey`` action to the ``store`` command's subparsers ``actions``."""
    rekey = actions.add_parser(
        "rekey",
        parents=[common],
        help="re-encrypt the store under a new random key (PRAGMA rekey) and keep the key in the key source",
        description=(
            "Stop the kiosk first. The new key is saved in the configured key source as pending before the "
            "rekey, so an interrupted rotation is finished or undone at the next start. The biometric key is "
            "not changed. Exit status: 0 rotated, 2 when the store or the key source cannot be used."
        ),
    )
    rekey.set_defaults(handler=command_rekey)


def command_rekey(args: argparse.Namespace) -> int:
    """Rotate the store key of the branch in ``args.home``; errors propagate to the CLI's exit status 2."""
    config = load_config(args.home)
    result = rotate_store_key(config.store_path, config.store_key)
    log.info("store key of %s rotated", config.store_path)

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(f"store       {result.store_path}")
        print(f"key source  {result.source['kind']}")
        print("存储密钥已更换 store key rotated")
    return 0
