"""``countersign archive verify``: check the evidence chains and every stored contract PDF."""

import argparse
import json
import logging

import sqlcipher3

from countersign.config import load_config
from kiosk.contracts.validation import load_trust_roots
from kiosk.errors import ConfigError, StoreError
from kiosk.store.archive import verify_archive
from kiosk.store.key_sources.rotation import open_keyed_store

log = logging.getLogger(__name__)


def register(commands, common: argparse.ArgumentParser) -> None:
    archive_parser = commands.add_parser("archive", parents=[common], help="checks of the contract archive in the branch store")
    actions = archive_parser.add_subparsers(dest="archive", required=True)
    verify = actions.add_parser(
        "verify",
        parents=[common],
        help="check every branch's evidence chain, every contract against its evidence record and every stored PDF's seal",
        description="Exit status: 0 when the archive is intact, 1 when a problem is found, 2 when the store or a trust root cannot be opened.",
    )
    verify.set_defaults(handler=command_verify)


def command_verify(args: argparse.Namespace) -> int:
    """Print the contracts checked and each problem; exit 0 without problems, 1 with, 2 when the store cannot be opened."""
    config = load_config(args.home)
    try:
        trust_roots = load_trust_roots(list(config.trust_roots))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot load a trust root certificate ({', '.join(map(str, config.trust_roots))}): {error}") from error

    # With the biometric key bound, stored strokes read back as the text the evidence hashed.
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        report = verify_archive(database, trust_roots)
    except sqlcipher3.DatabaseError as error:
        raise StoreError(f"cannot read the store {config.store_path}: {error}") from error
    finally:
        database.close()

    for problem in report.problems:
        log.warning("archive verify: %s: %s", problem.contract_no, problem.problem, extra={"console": False})
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"contracts  {report.contracts}")
        if report.unchained:
            print(f"           {report.unchained} signed before evidence records: PDFs checked, not chained")
        print(f"problems   {len(report.problems)}")
        for problem in report.problems:
            print(f"  {problem.contract_no}  {problem.problem}")
        print("档案完好 archive OK" if report.ok else "档案有问题 archive NOT OK")
    return 0 if report.ok else 1
