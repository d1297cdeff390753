"""``countersign risk explain TRANSACTION_ID``: the decision record of one verification, as the clerk and an auditor read it."""

import argparse
import json
import logging
import uuid

from countersign.config import load_config
from kiosk.errors import ConfigError
from kiosk.messages import Message
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.store.rentals import RentalStore
from kiosk.store.risk_cache import RiskCache

log = logging.getLogger(__name__)

_NOT_FOUND = Message("找不到该交易的风险决定记录。", "No risk decision is recorded for this transaction.")
_DECISIONS = {
    "approve": Message("通过", "approved"),
    "approve_with_conditions": Message("有条件通过", "approved with conditions"),
    "clerk_review": Message("转人工审核", "clerk review"),
    "refuse": Message("拒绝", "refused"),
}


def register(commands, common: argparse.ArgumentParser) -> None:
    risk = commands.add_parser("risk", parents=[common], help="the risk layer: explain a decision")
    actions = risk.add_subparsers(dest="risk_action", required=True)
    explain = actions.add_parser(
        "explain",
        parents=[common],
        help="print the decision record of a transaction: every rule that fired, the score band and overrides",
        description="TRANSACTION_ID is the verification id that countersign demo --json prints as transaction_id. "
        "Exit status: 0 when found, 2 when no record exists or the store cannot be opened.",
    )
    explain.add_argument("transaction_id")
    explain.set_defaults(handler=command_risk_explain)


def transaction_key(text: str) -> str:
    """Return the stored form of a transaction id: 32 hex digits for a UUID in any spelling, else the text."""
    try:
        return uuid.UUID(text.strip()).hex
    except ValueError:
        return text.strip()


def command_risk_explain(args: argparse.Namespace) -> int:
    # Verification ids are stored as 32 hex digits; logs show them as hyphenated UUIDs.
    transaction_id = transaction_key(args.transaction_id)
    config = load_config(args.home)
    keyed = open_keyed_store(config.store_path, config.store_key)
    try:
        record = RiskCache(RentalStore(keyed.database, keyed.biometrics)).decision(transaction_id)
    finally:
        keyed.database.close()
    if record is None:
        raise ConfigError(f"no risk decision for transaction {args.transaction_id}", _NOT_FOUND)
    log.info("risk explain %s: %s", args.transaction_id, record["decision"])

    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    decision = _DECISIONS.get(record["decision"], Message(record["decision"], record["decision"]))
    print(f"transaction  {record['transaction_id']}")
    print(f"decision     {record['decision']} ({decision.bilingual()})")
    score = record["score"] if record["score"] is not None else "- (no history 无记录)"
    print(f"score        {score}, band {record['band']} ({record['consequence']})")
    print(f"config       {record['config_version']}")
    for factor in record["score_factors"]:
        print(f"  factor     {factor['points']:+d} {factor['reason']['zh']} / {factor['reason']['en']}")
    for rule in record["rules"]:
        print(f"rule         {rule['rule']} [{rule['severity']}, {rule['action']}]: {rule['reason']['zh']} / {rule['reason']['en']}")
    for override in record["overrides"]:
        print(f"override     {override['rule']} by {override['account_id']} ({override['role']}): {override['reason']}")
    for reason in record["customer_reasons"]:
        print(f"customer     {reason['zh']} / {reason['en']}")
    return 0
